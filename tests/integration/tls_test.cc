// HTTPS in the binary (--tls-cert, --tls-key) for deployments without a proxy: a client that
// trusts the certificate gets answers with Strict-Transport-Security, plain HTTP on the port
// gets nothing, and a key that does not load stops the start with the file named.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>

#include "core/json.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

namespace ag::testing {
namespace {

struct HttpsResult {
  long status = 0;
  std::string body;
  std::string headers;
  std::string error;
};

std::size_t Append(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

HttpsResult Https(const std::string& url, const std::string& ca_file, const std::string& body = "",
                  const std::string& token = "") {
  HttpsResult r;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  if (!body.empty()) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
  }
  if (!token.empty())
    headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  if (headers) curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  } else {
    r.error = error;
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return r;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A certificate for 127.0.0.1, made for this test by the openssl command.
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir_.File("key.pem") + " -out " + dir_.File("cert.pem") + " 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  TempDir dir_;
};

TEST_F(TlsTest, ServesHttpsToClientsThatTrustTheCertificateAndNothingToPlainHttp) {
  ServerProcess server(dir_.File("data"), {{"AUTOGRADER_ADMIN_PASSWORD", "admin password here"}},
                       {"--tls-cert", dir_.File("cert.pem"), "--tls-key", dir_.File("key.pem")});
  server.UseAuth();
  ASSERT_TRUE(server.Start()) << server.log();
  const std::string base = "https://127.0.0.1:" + std::to_string(server.port());
  auto live = Https(base + "/health/live", dir_.File("cert.pem"));
  ASSERT_EQ(live.status, 200) << live.error;
  EXPECT_NE(live.headers.find("Strict-Transport-Security: max-age=31536000"), std::string::npos)
      << live.headers;
  auto login = Https(base + "/auth/login", dir_.File("cert.pem"),
                     R"({"email": "admin@localhost", "password": "admin password here"})");
  ASSERT_EQ(login.status, 200) << login.body << login.error;
  const std::string token = ParseJsonOrDiscarded(login.body)["access_token"];
  auto me = Https(base + "/api/auth/me", dir_.File("cert.pem"), "", token);
  EXPECT_EQ(me.status, 200) << me.body;

  // A client that does not trust the certificate stops at the handshake.
  TempDir other;
  ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                         "-nodes -days 1 -subj /CN=other -keyout " +
                         other.File("k.pem") + " -out " + other.File("c.pem") + " 2>/dev/null")
                            .c_str()),
            0);
  auto untrusted = Https(base + "/health/live", other.File("c.pem"));
  EXPECT_EQ(untrusted.status, 0);
  EXPECT_FALSE(untrusted.error.empty());
  // Plain HTTP gets no HTTP answer; the server goes on serving.
  HttpClient plain(server.port());
  EXPECT_NE(plain.Get("/health/live").status, 200);
  EXPECT_EQ(Https(base + "/health/live", dir_.File("cert.pem")).status, 200);
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(), 0) << server.log();
}

TEST_F(TlsTest, AKeyThatDoesNotLoadOrMatchStopsTheStart) {
  auto missing = RunAutograder({"serve", "--host", "127.0.0.1", "--port", "0", "--auth", "off",
                                "--data-dir", dir_.File("d"), "--tls-cert", dir_.File("cert.pem"),
                                "--tls-key", dir_.File("nope.pem")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("TLS_KEY_FILE"), std::string::npos) << missing.output;
  TempDir other;
  ASSERT_EQ(std::system(("openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 "
                         "-out " +
                         other.File("k.pem") + " 2>/dev/null")
                            .c_str()),
            0);
  auto mismatch = RunAutograder({"serve", "--host", "127.0.0.1", "--port", "0", "--auth", "off",
                                 "--data-dir", dir_.File("d"), "--tls-cert", dir_.File("cert.pem"),
                                 "--tls-key", other.File("k.pem")});
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.output.find("TLS_KEY_FILE"), std::string::npos) << mismatch.output;
  auto half = RunAutograder({"serve", "--host", "127.0.0.1", "--port", "0", "--auth", "off",
                             "--data-dir", dir_.File("d"), "--tls-cert", dir_.File("cert.pem")});
  EXPECT_NE(half.exit_code, 0);
  EXPECT_NE(half.output.find("TLS_KEY_FILE"), std::string::npos) << half.output;
}

}  // namespace
}  // namespace ag::testing
