#include "shoal/server/auth.hpp"

namespace shoal::server {

std::string_view scope_name(Scope s) noexcept {
  switch (s) {
    case Scope::read: return "read";
    case Scope::write: return "write";
    case Scope::admin: return "admin";
    case Scope::ingest: return "ingest";
    case Scope::feed: return "feed";
  }
  return "";
}

std::optional<Scope> parse_scope(std::string_view text) noexcept {
  for (Scope s : {Scope::read, Scope::write, Scope::admin, Scope::ingest, Scope::feed})
    if (scope_name(s) == text) return s;
  return std::nullopt;
}

std::vector<std::string> scope_names(ScopeSet set) {
  std::vector<std::string> out;
  for (Scope s : {Scope::read, Scope::write, Scope::admin, Scope::ingest, Scope::feed})
    if (has_scope(set, s)) out.emplace_back(scope_name(s));
  return out;
}

}  // namespace shoal::server
