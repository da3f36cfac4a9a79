#include "shoal/proto/peer_client.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace shoal {

namespace {

// Azureus-style two-letter codes of clients seen in the wild.
constexpr std::array<std::pair<std::string_view, std::string_view>, 28> kAzureus{{
    {"qB", "qBittorrent"}, {"TR", "Transmission"}, {"UT", "µTorrent"},     {"UM", "µTorrent Mac"},
    {"UW", "µTorrent Web"}, {"BT", "BitTorrent"},  {"LT", "libtorrent"},   {"lt", "rTorrent"},
    {"DE", "Deluge"},       {"AZ", "Vuze"},        {"BI", "BiglyBT"},      {"KT", "KTorrent"},
    {"FD", "Free Download Manager"}, {"FX", "Flud"}, {"PI", "PicoTorrent"}, {"TL", "Tribler"},
    {"WW", "WebTorrent"},   {"WD", "WebTorrent Desktop"}, {"BC", "BitComet"}, {"XL", "Xunlei"},
    {"SD", "Thunder"},      {"TX", "Tixati"},      {"FL", "Folx"},         {"LW", "LimeWire"},
    {"SH", "Shoal"},        {"AG", "Ares"},        {"HL", "Halite"},       {"BF", "BitFlu"},
}};

bool version_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// "4050" -> "4.0.5": each character a component (letters: 10+), a trailing 0 dropped.
std::string dotted(std::string_view v) {
  std::string out;
  std::size_t n = v.size();
  if (n > 1 && v[n - 1] == '0') --n;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out += '.';
    const char c = v[i];
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
    else if (std::isupper(static_cast<unsigned char>(c))) out += std::to_string(10 + (c - 'A'));
    else out += std::to_string(36 + (c - 'a'));
  }
  return out;
}

}  // namespace

std::string client_name(std::string_view id) {
  // Azureus style: -XXvvvv-
  if (id.size() >= 8 && id[0] == '-' && id[7] == '-' && std::isalpha(static_cast<unsigned char>(id[1])) &&
      std::isalpha(static_cast<unsigned char>(id[2]))) {
    const std::string_view code = id.substr(1, 2);
    const std::string_view ver = id.substr(3, 4);
    for (char c : ver)
      if (!version_char(c)) return {};
    std::string name(code);
    for (const auto& [k, v] : kAzureus)
      if (k == code) name = v;
    return name + " " + dotted(ver);
  }
  // Mainline: M4-3-6-- (digits and dashes)
  if (id.size() >= 8 && id[0] == 'M' && std::isdigit(static_cast<unsigned char>(id[1]))) {
    std::string out = "BitTorrent ";
    for (std::size_t i = 1; i < 8 && (std::isdigit(static_cast<unsigned char>(id[i])) || id[i] == '-'); ++i)
      out += id[i] == '-' ? '.' : id[i];
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
    return out;
  }
  // aria2: A2-1-36-0-
  if (id.size() >= 3 && id.substr(0, 3) == "A2-") {
    std::string out = "aria2 ";
    for (std::size_t i = 3; i < id.size() && (std::isdigit(static_cast<unsigned char>(id[i])) || id[i] == '-'); ++i)
      out += id[i] == '-' ? '.' : id[i];
    while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
    return out;
  }
  return {};
}

}  // namespace shoal
