#include "shoal/proto/api_error.hpp"

namespace shoal::api {

Json ApiErrorBody::to_json() const { return {{"error", {{"code", code}, {"message", message}}}}; }

expected<ApiErrorBody, Error> ApiErrorBody::from_json(const Json& body) {
  FieldReader r(body, "error body");
  FieldReader e = r.object("error");
  ApiErrorBody out{e.text("code"), e.text("message")};
  if (!e.ok()) return e.take_error();
  return out;
}

}  // namespace shoal::api
