// The OpenAPI 3.1 description of the REST API: docs/openapi.json, compiled in at build time so the
// served document and the one in docs/ are always the same file.
#pragma once

#include <string_view>

namespace punchlink::relay::api {

std::string_view openApiDocument() noexcept;

}  // namespace punchlink::relay::api
