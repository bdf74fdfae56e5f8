// Routes requests to handlers by method and path pattern ("/v1/devices/{serial}"), answering
// unknown paths with 404 and known paths with a wrong method with 405 (and an Allow header).
#pragma once

#include "api/api_types.hpp"

#include <functional>
#include <string>
#include <vector>

namespace punchlink::relay::api {

class Router {
 public:
  using Handler = std::function<ApiResponse(ApiRequest&)>;

  void add(std::string method, std::string pattern, Handler handler);

  // Matches and runs a handler; fills request.params.
  ApiResponse dispatch(ApiRequest& request) const;

  // Every (method, pattern), e.g. for checking the OpenAPI document against the routes.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };

  static bool match(const Route& route,
                    const std::vector<std::string>& segments,
                    std::map<std::string, std::string>& params);

  std::vector<Route> routes_;
};

std::vector<std::string> splitPath(const std::string& path);

}  // namespace punchlink::relay::api
