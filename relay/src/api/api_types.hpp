// The REST layer's request and response values. Handlers and the router work on these, not on
// Poco types, so they run in unit tests without sockets; http_server.cpp adapts Poco to them.
#pragma once

#include <punchlink/common/error.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace punchlink::relay::api {

// Request bodies: larger ones get 413 before they are read; JSON nested deeper is refused
// before it is parsed into a tree (common/.../untrusted_json.hpp).
constexpr std::size_t kMaxBodyBytes = std::size_t{1} << 20U;
constexpr std::size_t kMaxBodyDepth = 32;

struct ApiRequest {
  std::string method;
  std::string path;  // without the query string
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  // Filled by the router:
  std::map<std::string, std::string> params;  // {serial} and the like
  std::string tenant_id;                      // after authentication
  bool secure = false;                        // came over HTTPS

  // A cookie's value ("name=value" pairs of the Cookie header), nullopt when absent.
  std::optional<std::string> cookie(std::string_view name) const;

  std::optional<std::string> header(const std::string& lower_name) const {
    const auto it = headers.find(lower_name);
    return it == headers.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

// Writes one chunk of a streamed answer and sends it at once; false when the client has gone.
// An empty chunk sends nothing and only asks whether the client is still there.
using StreamWriter = std::function<bool(const std::string& chunk)>;

struct ApiResponse {
  int status = 200;
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  std::vector<std::pair<std::string, std::string>> headers;
  // A non-JSON response (Prometheus text, a stored document): sent as is when content_type is
  // set, instead of `body`.
  std::string content_type;
  std::string text;
  // Top-level body fields shown in this response only (a new webhook secret): an idempotent
  // replay of the request answers without them.
  std::vector<std::string> shown_once;
  // A streamed answer (Server-Sent Events): when set, the headers go out with `content_type`
  // and chunked transfer, then this writes the body until it returns.
  std::function<void(const StreamWriter& write)> stream;
};

// A response that sends `text` verbatim with the given content type.
ApiResponse textResponse(std::string content_type, std::string text);

// The single place where error codes become HTTP statuses (STYLE.md §4).
int httpStatusFor(ErrorCode code) noexcept;

// {"error": message (+ hint), "code": "..."} with the mapped status.
ApiResponse errorResponse(const Error& error);
ApiResponse errorResponse(int status, std::string_view code, const std::string& message);

// A 400 naming the field and what is expected.
ApiResponse invalidField(const std::string& field, const std::string& expected);

// A query parameter, nullopt when absent or empty.
std::optional<std::string> queryParam(const ApiRequest& request, const std::string& name);

// `limit` (1–1000, default 100) or the 400 to return.
std::variant<std::size_t, ApiResponse> pageLimit(const ApiRequest& request);

// Opaque keyset cursors over an increasing row number ("cur_…").
std::string encodeSeqCursor(std::int64_t seq);
std::optional<std::int64_t> decodeSeqCursor(const std::string& cursor);
// Opaque cursors over another key (a time and an id, say), given as text.
std::string encodeTextCursor(const std::string& key);
std::optional<std::string> decodeTextCursor(const std::string& cursor);

// A page of a keyset-paginated list: the store returns up to `limit + 1` rows; the extra one
// only says that more follow. `to_json(row)` renders an item, `cursor_of(row)` the cursor that
// continues after it.
template <typename Row, typename ToJson, typename CursorOf>
ApiResponse pageResponse(std::vector<Row> rows,
                         std::size_t limit,
                         ToJson to_json,
                         CursorOf cursor_of) {
  const bool has_more = rows.size() > limit;
  if (has_more) {
    rows.pop_back();
  }
  nlohmann::ordered_json data = nlohmann::ordered_json::array();
  for (const auto& row : rows) {
    data.push_back(to_json(row));
  }
  // Field by field rather than from a braced list: clang 14 leaks the object a braced list
  // replaces here (the fuzz build found it; GCC's code does not).
  ApiResponse response;
  response.body["data"] = std::move(data);
  response.body["has_more"] = has_more;
  response.body["next_cursor"] = nullptr;
  if (has_more) {
    response.body["next_cursor"] = cursor_of(rows.back());
  }
  return response;
}

// The request body as a JSON object, or the 400 to return.
std::variant<nlohmann::json, ApiResponse> jsonObjectBody(const ApiRequest& request);

}  // namespace punchlink::relay::api
