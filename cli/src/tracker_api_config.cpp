#include "tracker_api_config.hpp"

#include <algorithm>

#include <charconv>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "shoal/proto/api_error.hpp"
#include "shoal/peer/tracker_client.hpp"

namespace shoal::cli {

namespace {

using nlohmann::json;

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

/// The fixed-width decimal field s[pos, pos+len), or nullopt.
std::optional<int> field(std::string_view s, std::size_t pos, std::size_t len) {
  if (pos + len > s.size()) return std::nullopt;
  const auto part = s.substr(pos, len);
  if (!all_digits(part)) return std::nullopt;
  int v = 0;
  std::from_chars(part.data(), part.data() + part.size(), v);
  return v;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

shoal::expected<std::filesystem::path, std::string> tracker_config_path(
    std::optional<std::string_view> xdg_config_home, std::optional<std::string_view> home) {
  // The XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and ignored.
  if (xdg_config_home && !xdg_config_home->empty() && xdg_config_home->front() == '/')
    return std::filesystem::path(*xdg_config_home) / "shoal" / "tracker.json";
  if (home && !home->empty()) return std::filesystem::path(*home) / ".config" / "shoal" / "tracker.json";
  return shoal::unexpected<std::string>(
      "cannot find the config directory: set HOME or XDG_CONFIG_HOME");
}

shoal::expected<StoredLogin, std::string> parse_stored_login(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return shoal::unexpected<std::string>("not a JSON object");
  StoredLogin login;
  for (auto [name, out] : {std::pair<const char*, std::string*>{"url", &login.url},
                           {"token", &login.token},
                           {"username", &login.username}}) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string()) return shoal::unexpected<std::string>(fmt::format("'{}' must be a string", name));
    *out = it->get<std::string>();
  }
  if (login.url.empty()) return shoal::unexpected<std::string>("no 'url'");
  auto url = normalize_tracker_url(login.url);
  if (!url) return shoal::unexpected<std::string>("'url': " + url.error());
  login.url = *url;
  return login;
}

std::string stored_login_text(const StoredLogin& login) {
  json j = {{"url", login.url}, {"username", login.username}};
  if (!login.token.empty()) j["token"] = login.token;
  return j.dump(2) + "\n";
}

shoal::expected<std::string, std::string> normalize_tracker_url(std::string_view text) {
  auto url = shoal::peer::parse_tracker_url(text);
  if (!url) {
    std::string message = url.error().message;
    if (message.starts_with("invalid tracker URL"))
      message.replace(0, std::string_view("invalid tracker URL").size(), "invalid URL");
    return shoal::unexpected<std::string>(message);
  }
  if (url->scheme == shoal::peer::TrackerScheme::udp)
    return shoal::unexpected<std::string>(
        fmt::format("'{}': the API is served over http:// or https://, not udp://", text));
  if (!url->query.empty() || text.find('#') != std::string_view::npos)
    return shoal::unexpected<std::string>(
        fmt::format("'{}': give the tracker's base URL, without a query or fragment", url->redacted()));
  std::string path = url->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return url->origin() + path;
}

std::string api_url(std::string_view base, std::string_view path) {
  return std::string(base) + std::string(path);
}

shoal::expected<Credentials, std::string> resolve_credentials(const CredentialInputs& in) {
  auto given = [](const std::optional<std::string>& v) { return v && !v->empty(); };
  Credentials out;
  std::string raw_url;
  if (given(in.flag_url)) {
    raw_url = *in.flag_url;
    out.url_source = "--url";
  } else if (given(in.env_url)) {
    raw_url = *in.env_url;
    out.url_source = "SHOAL_TRACKER_URL";
  } else if (in.stored) {
    raw_url = in.stored->url;
    out.url_source = "config file";
  } else {
    return shoal::unexpected<std::string>(
        "no tracker URL: give --url, set SHOAL_TRACKER_URL or run `shoal tracker login`");
  }
  auto url = normalize_tracker_url(raw_url);
  if (!url) return shoal::unexpected<std::string>(out.url_source + ": " + url.error());
  out.url = std::move(*url);

  if (given(in.flag_key)) {
    out.key = *in.flag_key;
    out.key_source = "--key";
  } else if (given(in.env_key)) {
    out.key = *in.env_key;
    out.key_source = "SHOAL_API_KEY";
  } else if (in.stored && !in.stored->token.empty()) {
    // Only to the tracker it came from.
    auto stored_url = normalize_tracker_url(in.stored->url);
    if (stored_url && *stored_url == out.url) {
      out.key = in.stored->token;
      out.key_source = "config file";
    }
  }
  return out;
}

std::optional<std::int64_t> parse_expiry(std::string_view text) {
  if (all_digits(text)) {
    std::int64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc{}) return std::nullopt;
    return v;
  }
  // YYYY-MM-DD[(T| )HH:MM[:SS]][Z]
  if (text.ends_with('Z') || text.ends_with('z')) text.remove_suffix(1);
  const auto y = field(text, 0, 4), mo = field(text, 5, 2), d = field(text, 8, 2);
  if (!y || !mo || !d || text[4] != '-' || text[7] != '-') return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (text.size() > 10) {
    if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') return std::nullopt;
    const auto h = field(text, 11, 2), mi = field(text, 14, 2);
    if (!h || !mi || text.size() < 16 || text[13] != ':') return std::nullopt;
    hh = *h;
    mm = *mi;
    if (text.size() == 19 && text[16] == ':') {
      const auto s = field(text, 17, 2);
      if (!s) return std::nullopt;
      ss = *s;
    } else if (text.size() != 16) {
      return std::nullopt;
    }
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*mo < 1 || *mo > 12 || *d < 1) return std::nullopt;
  const int days_in_month = kDays[*mo - 1] + (*mo == 2 && leap(*y) ? 1 : 0);
  if (*d > days_in_month || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  return days_from_civil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d)) * 86400 +
         hh * 3600 + mm * 60 + ss;
}

std::string format_time(std::optional<std::int64_t> unix_seconds) {
  if (!unix_seconds) return "-";
  const auto t = static_cast<std::time_t>(*unix_seconds);
  std::tm tm{};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(*unix_seconds);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string query_escape(std::string_view value) {
  std::string out;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                            (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) out += ch;
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string api_error_text(unsigned status, std::string_view reason, std::string_view body,
                           std::string& code) {
  const auto j = shoal::api::parse_body(body);
  const auto e = j ? shoal::api::ApiErrorBody::from_json(*j) : shoal::unexpected<shoal::Error>(j.error());
  if (e) {
    code = e->code;
    return fmt::format("{} (HTTP {}, {})", e->message, status, code);
  }
  code = fmt::format("http_{}", status);
  return reason.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {} {}", status, reason);
}

std::vector<std::pair<std::size_t, std::size_t>> ingest_batches(const std::vector<std::size_t>& item_bytes,
                                                                std::size_t max_items, std::size_t max_bytes,
                                                                std::size_t overhead) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t first = 0, bytes = overhead;
  for (std::size_t i = 0; i < item_bytes.size(); ++i) {
    const std::size_t add = item_bytes[i] + 1;  // the item and its comma
    const bool full = i - first >= std::max<std::size_t>(max_items, 1) || (i > first && bytes + add > max_bytes);
    if (full) {
      out.emplace_back(first, i);
      first = i;
      bytes = overhead;
    }
    bytes += add;
  }
  if (first < item_bytes.size()) out.emplace_back(first, item_bytes.size());
  return out;
}

}  // namespace shoal::cli
