#include "shoal/peer/webhook.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "shoal/peer/http_client.hpp"

namespace shoal::peer {

std::string webhook_signature(std::string_view secret, std::string_view timestamp, std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

WebhookAttempt deliver_webhook(std::string_view url, std::string_view secret, std::string_view event,
                               std::string_view delivery_id, std::string_view body,
                               std::chrono::milliseconds timeout) {
  WebhookAttempt a;
  const std::string timestamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"},
      {"X-Shoal-Event", std::string(event)},
      {"X-Shoal-Delivery", std::string(delivery_id)},
      {"X-Shoal-Timestamp", timestamp},
  };
  if (!secret.empty()) headers.emplace_back("X-Shoal-Signature", webhook_signature(secret, timestamp, body));
  HttpClientOptions options;
  options.timeout = timeout;
  options.max_redirects = 0;
  HttpClient client(options);
  auto r = client.request("POST", std::string(url), headers, std::string(body), 64 * 1024);
  if (!r) {
    a.outcome = WebhookAttempt::Outcome::retry;
    a.message = r.error().message;
    if (r.error().code == TrackerErrc::invalid_url || r.error().code == TrackerErrc::invalid_request)
      a.outcome = WebhookAttempt::Outcome::give_up;
    return a;
  }
  a.status = static_cast<int>(r->status);
  a.message = "HTTP " + std::to_string(r->status);
  if (r->status >= 200 && r->status < 300) a.outcome = WebhookAttempt::Outcome::delivered;
  else if (r->status == 429 || r->status >= 500) a.outcome = WebhookAttempt::Outcome::retry;
  else a.outcome = WebhookAttempt::Outcome::give_up;
  return a;
}

}  // namespace shoal::peer
