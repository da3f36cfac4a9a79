#pragma once
// A tiny DOM for tests, built with expat (a strict XML 1.0 parser): parse_xml() gives the tree or
// expat's error, Node::one/all find children, attr_values() reads Torznab's <torznab:attr>s.
// Used by the feed renderer's unit tests and the feed endpoints' integration tests.
//
//   auto doc = shoal::test::parse_xml(body);
//   ASSERT_TRUE(doc.error.empty()) << doc.error;
//   const auto& channel = doc.root->one("channel");

#include <expat.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::test {

// A tiny DOM built with expat.
struct Node {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;
  std::vector<std::unique_ptr<Node>> children;

  std::vector<const Node*> all(std::string_view child) const {
    std::vector<const Node*> out;
    for (const auto& c : children)
      if (c->name == child) out.push_back(c.get());
    return out;
  }
  const Node& one(std::string_view child) const {
    auto found = all(child);
    if (found.size() != 1) {
      ADD_FAILURE() << "expected one <" << child << "> in <" << name << ">, found " << found.size();
      static const Node empty;
      return empty;
    }
    return *found[0];
  }
  // <torznab:attr name=... value=...> values by name.
  std::vector<std::string> attr_values(std::string_view attr_name) const {
    std::vector<std::string> out;
    for (const Node* a : all("torznab:attr"))
      if (a->attrs.at("name") == attr_name) out.push_back(a->attrs.at("value"));
    return out;
  }
};

struct Parsed {
  std::unique_ptr<Node> root;
  std::string error;  // empty when well-formed
};

inline Parsed parse_xml(const std::string& xml) {
  Parsed out;
  std::vector<Node*> stack;
  struct State {
    Parsed* out;
    std::vector<Node*>* stack;
  } state{&out, &stack};
  XML_Parser parser = XML_ParserCreate("UTF-8");
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* name, const XML_Char** attrs) {
        auto* s = static_cast<State*>(data);
        auto node = std::make_unique<Node>();
        node->name = name;
        for (int i = 0; attrs[i] != nullptr; i += 2) node->attrs[attrs[i]] = attrs[i + 1];
        Node* raw = node.get();
        if (s->stack->empty())
          s->out->root = std::move(node);
        else
          s->stack->back()->children.push_back(std::move(node));
        s->stack->push_back(raw);
      },
      [](void* data, const XML_Char*) { static_cast<State*>(data)->stack->pop_back(); });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* text, int length) {
    auto* s = static_cast<State*>(data);
    if (!s->stack->empty()) s->stack->back()->text.append(text, static_cast<std::size_t>(length));
  });
  if (XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_ERROR)
    out.error = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
                std::to_string(XML_GetCurrentLineNumber(parser));
  XML_ParserFree(parser);
  return out;
}

}  // namespace shoal::test
