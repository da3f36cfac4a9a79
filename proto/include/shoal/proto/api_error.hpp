#pragma once
// The error body every Shoal HTTP API answers a refused call with:
//   {"error": {"code": "invalid_field", "message": "limit is 1-500"}}
// `code` is stable (clients branch on it), `message` is for people. Written by the servers'
// ApiReply::error, read by the clients to show the server's own reason.

#include <string>

#include "shoal/proto/api_json.hpp"

namespace shoal::api {

struct ApiErrorBody {
  std::string code;
  std::string message;

  Json to_json() const;
  static expected<ApiErrorBody, Error> from_json(const Json& body);

  friend bool operator==(const ApiErrorBody&, const ApiErrorBody&) = default;
};

}  // namespace shoal::api
