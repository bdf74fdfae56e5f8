#include "router.hpp"

#include <punchlink/common/text.hpp>

namespace punchlink::relay::api {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> segments;
  std::string current;
  for (char c : path) {
    if (c == '/') {
      if (!current.empty()) {
        segments.push_back(std::move(current));
        current.clear();
      }
    } else {
      current += c;
    }
  }
  if (!current.empty()) {
    segments.push_back(std::move(current));
  }
  return segments;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  auto segments = splitPath(pattern);
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

bool Router::match(const Route& route,
                   const std::vector<std::string>& segments,
                   std::map<std::string, std::string>& params) {
  if (route.segments.size() != segments.size()) {
    return false;
  }
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& expected = route.segments[i];
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      found[expected.substr(1, expected.size() - 2)] = segments[i];
    } else if (expected != segments[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

ApiResponse Router::dispatch(ApiRequest& request) const {
  // Path parameters end up in errors, logs and queries: text only.
  if (!isValidUtf8(request.path) || hasControlCharacters(request.path)) {
    return errorResponse(404, "not_found",
                         "no such endpoint: the path is not UTF-8 text; percent-encode UTF-8 "
                         "in paths");
  }
  const auto segments = splitPath(request.path);
  std::string allowed;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!match(route, segments, params)) {
      continue;
    }
    if (route.method == request.method) {
      request.params = std::move(params);
      return route.handler(request);
    }
    allowed += allowed.empty() ? route.method : ", " + route.method;
  }
  if (!allowed.empty()) {
    ApiResponse response = errorResponse(405, "method_not_allowed",
                                         request.method + " is not allowed on " + request.path);
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return errorResponse(404, "not_found", "no such endpoint: " + request.path);
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& route : routes_) {
    out.emplace_back(route.method, route.pattern);
  }
  return out;
}

}  // namespace punchlink::relay::api
