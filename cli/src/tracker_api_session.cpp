// The shared part of `shoal tracker ...`: tracker_api_session.hpp.
#include "tracker_api_session.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "shoal/proto/api_error.hpp"
#include "progress_bar.hpp"

namespace shoal::cli {

namespace peer = shoal::peer;
using nlohmann::json;

[[noreturn]] void usage_failed(const ApiArgs& a, const std::string& message) {
  command_failed(kTrackerCommand, a.json, "usage", message, 2);
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::nullopt : std::optional<std::string>(v);
}

std::filesystem::path config_path(const ApiArgs& a) {
  auto p = tracker_config_path(env("XDG_CONFIG_HOME"), env("HOME"));
  if (!p) command_failed(kTrackerCommand, a.json, "config_error", p.error(), 1);
  return *p;
}

std::optional<StoredLogin> load_stored_login(const ApiArgs& a, const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  auto text = read_binary_file(path.string());
  if (!text) command_failed(kTrackerCommand, a.json, "config_error", text.error(), 1);
  auto login = parse_stored_login(*text);
  if (!login)
    command_failed(kTrackerCommand, a.json, "config_error",
                   path.string() + ": " + login.error() + " (fix it, or delete it and log in again)", 1);
  return std::move(*login);
}

// ---- talking to the API --------------------------------------------------------------------------

Api::Api(const ApiArgs& a, Key key_use) : m_args(a) {
  const bool want_key = key_use != Key::none;
  const bool need_key = key_use == Key::required;
  if (!(a.timeout_seconds > 0) || a.timeout_seconds > kMaxTrackerTimeoutSeconds)
    usage_failed(a, fmt::format("--timeout must be more than 0 and at most {} seconds", kMaxTrackerTimeoutSeconds));
  CredentialInputs in;
  if (!a.url.empty()) in.flag_url = a.url;
  if (!a.key.empty()) in.flag_key = a.key;
  in.env_url = env("SHOAL_TRACKER_URL");
  in.env_key = env("SHOAL_API_KEY");
  auto given = [](const std::optional<std::string>& v) { return v && !v->empty(); };
  const bool have_url = in.flag_url || given(in.env_url);
  const bool have_key = in.flag_key || given(in.env_key);
  if (!have_url || (want_key && !have_key)) {
    in.stored = load_stored_login(a, config_path(a));
  }
  auto creds = resolve_credentials(in);
  if (!creds) usage_failed(a, creds.error());
  m_creds = std::move(*creds);
  if (!want_key) m_creds.key.clear();
  if (need_key && m_creds.key.empty())
    usage_failed(a, "not logged in to " + m_creds.url +
                        ": run `shoal tracker login`, give --key or set SHOAL_API_KEY");
  make_client();
}

Api::Api(const ApiArgs& a, Credentials creds, std::string_view command)
    : m_args(a), m_creds(std::move(creds)), m_command(command) {
  if (!(a.timeout_seconds > 0) || a.timeout_seconds > kMaxTrackerTimeoutSeconds)
    command_failed(m_command, a.json, "usage",
                   fmt::format("--timeout must be more than 0 and at most {} seconds", kMaxTrackerTimeoutSeconds), 2);
  make_client();
}

void Api::make_client() {
  peer::HttpClientOptions o;
  o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(m_args.timeout_seconds * 1000.0)));
  o.insecure = m_args.insecure;
  o.ca_file = m_args.ca_file;
  m_client = std::make_unique<peer::HttpClient>(o);
}

json Api::call(std::string_view method, std::string_view path, const std::optional<json>& body,
               unsigned* status_out, std::initializer_list<unsigned> ok_status) {
  peer::HttpHeaders headers;
  headers.emplace_back("Accept", "application/json");
  if (!m_creds.key.empty()) headers.emplace_back("Authorization", "Bearer " + m_creds.key);
  std::string text;
  if (body) {
    headers.emplace_back("Content-Type", "application/json");
    text = body->dump(-1, ' ', false, json::error_handler_t::replace);  // argv need not be UTF-8
  }
  auto r = m_client->request(method, api_url(m_creds.url, path), headers, std::move(text), kMaxApiBodySize);
  if (!r) command_failed(m_command, m_args.json, peer::to_string(r.error().code), r.error().message, 1);
  if (status_out != nullptr) *status_out = r->status;
  const bool extra_ok = std::find(ok_status.begin(), ok_status.end(), r->status) != ok_status.end();
  if ((r->status < 200 || r->status > 299) && !extra_ok) fail(*r);
  return parse_answer(*r, path);
}

peer::HttpResponse Api::send(std::string_view method, std::string_view path, std::string_view content_type,
                             std::string body, std::string_view accept, std::size_t max_body_size) {
  peer::HttpHeaders headers;
  headers.emplace_back("Accept", std::string(accept));
  if (!m_creds.key.empty()) headers.emplace_back("Authorization", "Bearer " + m_creds.key);
  if (!content_type.empty()) headers.emplace_back("Content-Type", std::string(content_type));
  auto r = m_client->request(method, api_url(m_creds.url, path), headers, std::move(body), max_body_size);
  if (!r) command_failed(m_command, m_args.json, peer::to_string(r.error().code), r.error().message, 1);
  if (r->status < 200 || r->status > 299) fail(*r);
  return std::move(*r);
}

json Api::parse_answer(const peer::HttpResponse& r, std::string_view path) const {
  if (r.body.empty()) return json(nullptr);
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded())
    command_failed(m_command, m_args.json, "bad_response",
                   fmt::format("{}: the answer (HTTP {}) is not JSON", api_url(m_creds.url, path), r.status), 1);
  return j;
}

[[noreturn]] void Api::fail(const peer::HttpResponse& r) {
  std::string code;
  std::string message = api_error_text(r.status, r.reason, r.body, code);
  if (r.status >= 300 && r.status < 400 && !r.header("Location").empty())
    message += " to " + r.header("Location") + ": give that URL as --url";
  std::cerr << "shoal " << m_command << ": " << terminal_safe(message) << "\n";
  if (m_args.json) {
    const json j = json::parse(r.body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error"))
      std::cout << json_text(j) << "\n";
    else
      std::cout << json_text(shoal::api::ApiErrorBody{code, message}.to_json()) << "\n";
  }
  throw CLI::RuntimeError(1);
}

// ---- output ----------------------------------------------------------------------------------

void print_json(const json& j) { std::cout << json_text(j) << "\n"; }

/// A JSON value as table text: strings without quotes (terminal-safe), null as "-".
std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return terminal_safe(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v) out += (out.empty() ? "" : ",") + cell(e);
    return out.empty() ? "-" : out;
  }
  return terminal_safe(v.dump());
}

std::string time_cell(const json& v) {
  return v.is_number_integer() ? format_time(v.get<std::int64_t>()) : cell(v);
}

void print_table(const std::vector<std::string>& head, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t i = 0; i < row.size(); ++i)
      out += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], width[i]);
    std::cout << out << "\n";
  };
  line(head);
  for (const auto& row : rows) line(row);
}

void print_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  for (const auto& [label, value] : fields) fmt::print("{:<18}{}\n", label + ":", value);
}

const json& member(const json& j, const char* name) {
  static const json null_value;
  if (!j.is_object()) return null_value;
  auto it = j.find(name);
  return it == j.end() ? null_value : *it;
}

std::string paging(std::string target, std::optional<int> limit, std::optional<int> offset) {
  std::string sep = target.find('?') == std::string::npos ? "?" : "&";
  if (limit) {
    target += sep + "limit=" + std::to_string(*limit);
    sep = "&";
  }
  if (offset) target += sep + "offset=" + std::to_string(*offset);
  return target;
}

std::string bytes_cell(const json& v) {
  return v.is_number() ? format_bytes(v.get<double>()) : cell(v);
}

/// A subcommand whose parent's options (--url, --key, --json, ...) may follow it.
CLI::App* sub(CLI::App* parent, const std::string& name, const std::string& description) {
  auto* s = parent->add_subcommand(name, description);
  s->fallthrough();
  return s;
}

}  // namespace shoal::cli
