// The multipart/form-data parser (multipart.hpp): what browsers and curl -F send, the boundary
// from the Content-Type, and hostile bodies — truncated, oversized headers, too many parts,
// duplicate fields, boundary look-alikes in the content, random bytes — each a clear error.
#include "shoal/server/multipart.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace shoal::server;

namespace {

const std::string kB = "----shoalFormBoundary7MA4YWxk";

std::string field(const std::string& name, const std::string& value) {
  return "--" + kB + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n";
}

std::string file_part(const std::string& name, const std::string& filename, const std::string& bytes) {
  return "--" + kB + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename +
         "\"\r\nContent-Type: application/x-bittorrent\r\n\r\n" + bytes + "\r\n";
}

std::string close() { return "--" + kB + "--\r\n"; }

}  // namespace

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + kB), kB);
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b:c\""), "a b:c");
  EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=xyz"), "xyz");
  EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=xyz"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary="), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"unterminated"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'a')), std::string(70, 'a'));
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=\"ends with space \""), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=a\x01z"), std::nullopt);
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary"), std::nullopt);
}

TEST(Multipart, ParsesFieldsAndABinaryFile) {
  const std::string torrent("d4:infod4:name1:\x00\xff\r\n-e", 20);
  const std::string body = "preamble is ignored\r\n" + file_part("torrent", "my \\\"show\\\".torrent", torrent) +
                           field("category", "5040") + field("tags", "hd,x265") + field("description", "") +
                           close() + "epilogue ignored";
  auto parts = parse_multipart_form_data(body, kB);
  ASSERT_TRUE(parts) << parts.error();
  ASSERT_EQ(parts->size(), 4u);
  const MultipartPart* file = find_part(*parts, "torrent");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->body, torrent);
  EXPECT_EQ(file->filename, "my \"show\".torrent");
  EXPECT_EQ(file->content_type, "application/x-bittorrent");
  EXPECT_EQ(find_part(*parts, "category")->body, "5040");
  EXPECT_EQ(find_part(*parts, "category")->filename, std::nullopt);
  EXPECT_EQ(find_part(*parts, "tags")->body, "hd,x265");
  EXPECT_EQ(find_part(*parts, "description")->body, "");
  EXPECT_EQ(find_part(*parts, "missing"), nullptr);
}

TEST(Multipart, HeaderNamesAnyCaseTokensAndPadding) {
  const std::string body = "--" + kB + " \t\r\ncontent-disposition:form-data;name=plain;filename=a.torrent\r\n"
                           "X-Other: ignored\r\n\r\nvalue\r\n" + close();
  auto parts = parse_multipart_form_data(body, kB);
  ASSERT_TRUE(parts) << parts.error();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].name, "plain");
  EXPECT_EQ((*parts)[0].filename, "a.torrent");
  EXPECT_EQ((*parts)[0].body, "value");
  // A form with no parts at all.
  auto empty = parse_multipart_form_data(close(), kB);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST(Multipart, ContentThatOnlyLooksLikeABoundaryIsContent) {
  // "--boundary" not at a line start, and a CRLF followed by another boundary, are content.
  const std::string tricky = "x--" + kB + "\r\n--" + kB.substr(0, kB.size() - 1) + "Z\r\n--other";
  const std::string body = field("f", tricky) + close();  // the parts view into it
  auto parts = parse_multipart_form_data(body, kB);
  ASSERT_TRUE(parts) << parts.error();
  EXPECT_EQ((*parts)[0].body, tricky);
}

TEST(Multipart, HostileBodiesAreClearErrors) {
  const auto error_of = [](const std::string& body) {
    auto r = parse_multipart_form_data(body, kB);
    return r ? std::string("parsed") : r.error();
  };
  EXPECT_NE(error_of("").find("no boundary"), std::string::npos);
  EXPECT_NE(error_of("just text").find("no boundary"), std::string::npos);
  // Truncated: no close delimiter, a part cut in its content, in its headers.
  EXPECT_NE(error_of(field("a", "1")).find("not closed"), std::string::npos);
  EXPECT_NE(error_of(field("a", "1").substr(0, 60)).find("not terminated"), std::string::npos);
  EXPECT_NE(error_of("--" + kB).find("end its line"), std::string::npos);
  EXPECT_NE(error_of("--" + kB + "junk\r\n").find("end its line"), std::string::npos);
  // A boundary inside the content followed by junk.
  EXPECT_NE(error_of(field("a", "x\r\n--" + kB + "junk") + close()).find("end its line"), std::string::npos);
  // Headers: none, no name, not form-data, folded, over the limit, no colon, unterminated quote.
  EXPECT_NE(error_of("--" + kB + "\r\n\r\nx\r\n" + close()).find("without Content-Disposition"), std::string::npos);
  const auto part_with = [&](const std::string& header) { return "--" + kB + "\r\n" + header + "\r\n\r\nx\r\n" + close(); };
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data")).find("without a name"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data; name=\"\"")).find("without a name"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: attachment; name=a")).find("form-data"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data; name=\"a")).find("form-data"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data; name=\"a\"x")).find("form-data"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data; name")).find("form-data"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data; name=a\r\n filename=b")).find("folded"), std::string::npos);
  EXPECT_NE(error_of(part_with("no colon here")).find("without a name"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b"))
                .find("two Content-Disposition"), std::string::npos);
  EXPECT_NE(error_of(part_with("Content-Disposition: form-data; name=a\r\nX: " + std::string(5000, 'y')))
                .find("over 4096"), std::string::npos);
  // Duplicate fields, too many parts.
  EXPECT_NE(error_of(field("a", "1") + field("a", "2") + close()).find("twice"), std::string::npos);
  std::string many;
  for (std::size_t i = 0; i <= kMaxMultipartParts; ++i) many += field("f" + std::to_string(i), "v");
  EXPECT_NE(error_of(many + close()).find("more than 16 parts"), std::string::npos);
  // A bad boundary argument.
  EXPECT_FALSE(parse_multipart_form_data(close(), ""));
  EXPECT_FALSE(parse_multipart_form_data(close(), std::string(71, 'a')));
}

TEST(Multipart, RandomAndMutatedBodiesNeverCrash) {
  std::mt19937 rng(7);
  const std::string good = file_part("torrent", "t.torrent", "d4:infoe") + field("category", "5040") + close();
  std::size_t parsed = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % body.size();
      switch (rng() % 3) {
        case 0: body[at] = static_cast<char>(rng() % 256); break;
        case 1: body.erase(at, 1 + rng() % 8); break;
        default: body.insert(at, std::string(1 + rng() % 4, "\r\n-\";="[rng() % 6])); break;
      }
      if (body.empty()) body = "x";
    }
    auto r = parse_multipart_form_data(body, kB);
    if (r) {
      ++parsed;
      for (const auto& p : *r) {
        // Every part's body lies inside the input.
        EXPECT_GE(p.body.data(), body.data());
        EXPECT_LE(p.body.data() + p.body.size(), body.data() + body.size());
      }
    } else {
      EXPECT_TRUE(r.error().starts_with("multipart: ")) << r.error();
    }
  }
  EXPECT_GT(parsed, 0u);
}
