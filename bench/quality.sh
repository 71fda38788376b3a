#!/usr/bin/env bash
# Runs `autograder eval` over every dataset docs/quality.md reports, writing each run's output
# to OUT/<name>.txt. Usage: bench/quality.sh DATA_DIR OUT_DIR (DATA_DIR: the grading-data
# folder with asap-sas/, semeval2013-task7/, mohler/, saf/; never its held-out archive).
set -euo pipefail
data=${1:?grading-data folder}
out=${2:?output folder}
bin=${AUTOGRADER:-build/release/autograder}
mkdir -p "$out"
run() {
  local name=$1
  shift
  echo "== $name: autograder eval $*"
  { echo "\$ autograder eval $*"; "$bin" eval "$@"; } > "$out/$name.txt" 2>&1
  tail -n 1 "$out/$name.txt"
}
sem=$data/semeval2013-task7
run asap-sas --dataset asap-sas --train "$data/asap-sas" --split 0.8 --seed 42
run asap-sas-no-word-vectors --dataset asap-sas --train "$data/asap-sas" --split 0.8 --seed 42 --no-curve --no-word-vectors
run asap-sas-no-peers --dataset asap-sas --train "$data/asap-sas" --split 0.8 --seed 42 --no-curve --no-peers
# The service's situation with few graded answers: the cross-question model learns from every
# other prompt's answers (slow: a model per prompt).
run asap-sas-10-cross-question-all --dataset asap-sas --train "$data/asap-sas" --split 0.8 \
  --seed 42 --examples 10 --cross-question-all
run asap-sas-50-no-peers --dataset asap-sas --train "$data/asap-sas" --split 0.8 --seed 42 --examples 50 --no-peers
for split in answers questions domains; do
  run "semeval-unseen-$split" --dataset semeval --train "$sem/training/3way/sciEntsBank" \
    --test "$sem/test/3way/sciEntsBank/test-unseen-$split"
done
run semeval-unseen-questions-no-word-vectors --dataset semeval \
  --train "$sem/training/3way/sciEntsBank" --test "$sem/test/3way/sciEntsBank/test-unseen-questions" \
  --no-curve --no-word-vectors
run semeval-unseen-questions-no-antonyms --dataset semeval \
  --train "$sem/training/3way/sciEntsBank" --test "$sem/test/3way/sciEntsBank/test-unseen-questions" \
  --no-curve --no-antonyms
for split in answers questions domains; do
  run "semeval-unseen-$split-no-peers" --dataset semeval --train "$sem/training/3way/sciEntsBank" \
    --test "$sem/test/3way/sciEntsBank/test-unseen-$split" --no-curve --no-peers
done
# A question with no other answers yet (a new assignment's first submissions).
for split in questions domains; do
  run "semeval-unseen-$split-no-test-peers" --dataset semeval \
    --train "$sem/training/3way/sciEntsBank" --test "$sem/test/3way/sciEntsBank/test-unseen-$split" \
    --no-curve --no-test-peers
done
# Unseen questions within the training set (a fifth of its questions held out): where the
# cross-question model's features are chosen, so the official test split stays unseen.
for seed in 1 2 3 4 5 6; do
  for variant in "" --no-antonyms --no-peers; do
    run "semeval-training-unseen-questions-seed$seed${variant/#--/-}" --dataset semeval \
      --train "$sem/training/3way/sciEntsBank" --split 0.8 --split-by questions --seed $seed \
      --no-curve $variant
  done
done
run mohler --dataset mohler --train "$data/mohler" --split 0.8 --seed 42
run mohler-no-peers --dataset mohler --train "$data/mohler" --split 0.8 --seed 42 --no-curve --no-peers
run saf-unseen-answers --dataset saf --train "$data/saf/training/english" \
  --test "$data/saf/unseen_answers/english"
run saf-unseen-answers-no-peers --dataset saf --train "$data/saf/training/english" \
  --test "$data/saf/unseen_answers/english" --no-curve --no-peers
