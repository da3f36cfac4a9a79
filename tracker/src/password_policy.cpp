#include "shoal/tracker/password_policy.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "shoal/tracker/password_hash.hpp"

namespace shoal::tracker {

namespace {

// The most common passwords of public breach-frequency lists (lowercase; compared
// case-insensitively). Short entries stay although the minimum length refuses them anyway: the
// list is also used when an operator sets a small minimum.
constexpr std::string_view kCommonPasswords[] = {
    "123456", "password", "123456789", "12345678", "12345", "qwerty", "1234567", "111111",
    "1234567890", "123123", "abc123", "1234", "password1", "iloveyou", "1q2w3e4r", "000000",
    "qwerty123", "zaq12wsx", "dragon", "sunshine", "princess", "letmein", "654321", "monkey",
    "27653", "1qaz2wsx", "123321", "qwertyuiop", "superman", "asdfghjkl", "123qwe", "football",
    "baseball", "welcome", "trustno1", "shadow", "master", "666666", "michael", "121212", "ashley",
    "bailey", "passw0rd", "jesus", "mustang", "access", "flower", "hello", "freedom", "whatever",
    "qazwsx", "ninja", "azerty", "loveme", "solo", "starwars", "123654", "jordan23", "jennifer",
    "hunter", "hunter2", "charlie", "donald", "batman", "thomas", "killer", "soccer", "harley",
    "hockey", "ranger", "buster", "daniel", "andrew", "joshua", "george", "computer", "michelle",
    "jessica", "pepper", "zxcvbnm", "zxcvbn", "112233", "matrix", "cheese", "summer", "corvette",
    "mercedes", "maggie", "ginger", "amanda", "tigger", "robert", "sophie", "secret", "nicole",
    "chelsea", "yankees", "dallas", "austin", "thunder", "taylor", "matthew", "7777777",
    "987654321", "987654", "changeme", "default", "admin", "administrator", "root", "toor",
    "guest", "test", "test123", "testing", "qwerty1", "password123", "password12", "pass1234",
    "passpass", "letmein1", "welcome1", "welcome123", "admin123", "admin1234", "root123",
    "abcd1234", "1q2w3e", "1q2w3e4r5t", "q1w2e3r4", "q1w2e3r4t5", "asdf1234", "zxcv1234",
    "qwer1234", "1qazxsw2", "qazwsxedc", "123abc", "abc12345", "a123456", "aa123456", "123456a",
    "123456789a", "iloveyou1", "princess1", "monkey123", "dragon123", "football1", "baseball1",
    "sunshine1", "shadow123", "master123", "superman1", "michael1", "charlie1", "jordan",
    "jordan1", "samsung", "apple", "apple123", "google", "facebook", "linkedin", "twitter",
    "instagram", "youtube", "myspace", "login", "login123", "user", "user123", "demo", "demo123",
    "temp", "temp123", "secret123", "qwertyui", "asdfgh", "asdfghjk", "11111111", "00000000",
    "88888888", "12341234", "11223344", "123123123", "147258369", "159753", "789456123",
    "741852963", "999999", "555555", "888888", "222222", "333333", "444444", "777777", "1111111",
    "12121212", "131313", "696969", "101010", "202020", "123qweasd", "qweasdzxc", "1qaz2wsx3edc",
    "zaq1xsw2", "xsw2zaq1", "blink182", "metallica", "slipknot", "nirvana", "liverpool", "arsenal",
    "chelsea1", "barcelona", "realmadrid", "manchester", "juventus", "fuckyou", "fuckoff",
    "iloveu", "lovely", "loveyou", "babygirl", "angel", "angel1", "butterfly", "flowers",
    "rainbow", "cookie", "chocolate", "banana", "orange", "purple", "silver", "golden", "diamond",
    "tiger", "lion", "eagle", "falcon", "phoenix", "dolphin", "spider", "cowboy", "pirate",
    "viking", "warrior", "wizard", "merlin", "gandalf", "pokemon", "naruto", "minecraft",
    "fortnite", "starcraft", "warcraft", "zelda", "mario", "pikachu", "snoopy", "garfield",
    "scooby", "mickey", "minnie", "killer123", "hello123", "hello1", "hellokitty", "welcome12",
    "password2", "password3", "password!", "p@ssw0rd", "p@ssword", "pa55word", "pa$$word",
    "passw0rd1", "qwerty12", "qwerty12345", "qwertyu", "1234qwer", "12345qwert", "12qwaszx",
    "iloveyou2", "trustno11", "access14", "mustang1", "shadow1", "master1", "jessica1",
    "michelle1", "ashley1", "nicole1", "daniel1", "andrew1", "thomas1", "robert1", "joshua1",
    "matthew1", "jennifer1", "amanda1", "hannah", "jasmine", "justin", "william", "anthony",
    "brandon", "samantha", "stephanie", "victoria", "alexander", "christopher", "elizabeth",
    "jackson", "benjamin", "natalie", "lauren", "madison", "taylor1", "summer1", "winter",
    "spring", "autumn", "january", "february", "december", "monday", "friday", "sunday",
    "internet", "security", "private", "public", "system", "network", "server", "database",
    "oracle", "mysql", "postgres", "redis", "ubuntu", "debian", "linux", "windows", "microsoft",
    "macintosh", "bittorrent", "torrent", "tracker", "shoal", "seeding", "leecher", "qwerty!@#",
    "!qaz2wsx", "1qaz!qaz", "zaq!2wsx", "changeme1", "changeme123", "letmein123", "letmeinnow",
    "opensesame", "abracadabra", "whatever1", "nothing", "something", "anything", "everything",
    "12345678910", "0987654321", "1029384756", "5201314", "520520", "woaini", "iloveyou!",
    "loveyou1", "friends", "family", "forever", "blessed", "jesus1", "christ", "heaven",
};

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::size_t utf8_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

bool is_common_password(std::string_view password) {
  const std::string lower = ascii_lower(password);
  return std::find(std::begin(kCommonPasswords), std::end(kCommonPasswords), lower) !=
         std::end(kCommonPasswords);
}

std::size_t common_password_count() noexcept { return std::size(kCommonPasswords); }

std::optional<std::string> check_new_password(std::string_view password, std::string_view username,
                                              std::size_t min_length) {
  if (utf8_code_points(password) < min_length)
    return "password must have at least " + std::to_string(min_length) + " characters";
  if (password.size() > kMaxPasswordBytes)
    return "password must have at most " + std::to_string(kMaxPasswordBytes) + " bytes";
  if (password.find('\0') != std::string_view::npos) return "password must not contain NUL";
  if (!username.empty() && ascii_lower(password) == ascii_lower(username))
    return "password must differ from the username";
  if (is_common_password(password)) return "password is too common";
  return std::nullopt;
}

}  // namespace shoal::tracker
