#pragma once
// Webhook deliveries of lifecycle events: one HTTP POST of the event JSON (hook_event.hpp).
//
//   POST <url>
//   Content-Type: application/json
//   X-Shoal-Event: completed
//   X-Shoal-Delivery: <32 hex, unique per event and webhook; the same on every retry>
//   X-Shoal-Timestamp: <unix seconds of this attempt>
//   X-Shoal-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>   (with a secret)
//
// A receiver checks the signature with its copy of the secret, and the timestamp's age against
// replays (docs/hooks.md has a Python example). deliver_webhook() makes ONE attempt and says
// whether to retry: 2xx delivered; 429, 5xx and network errors retry; other statuses (and a 3xx:
// redirects are not followed) give up. Retrying with back-off is the dispatcher's job.

#include <chrono>
#include <string>
#include <string_view>

namespace shoal::peer {

/// "sha256=" + lowercase hex HMAC-SHA256 of `timestamp + "." + body` keyed by `secret`.
std::string webhook_signature(std::string_view secret, std::string_view timestamp, std::string_view body);

struct WebhookAttempt {
  enum class Outcome { delivered, retry, give_up };
  Outcome outcome = Outcome::give_up;
  int status = 0;       ///< HTTP status, 0 when there was no answer
  std::string message;  ///< "HTTP 503", "connection refused", ...
};

/// One POST of `body` (JSON) to `url`, bounded by `timeout` as a whole. Blocks; never throws.
WebhookAttempt deliver_webhook(std::string_view url, std::string_view secret, std::string_view event,
                               std::string_view delivery_id, std::string_view body,
                               std::chrono::milliseconds timeout);

}  // namespace shoal::peer
