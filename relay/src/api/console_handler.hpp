// The operator console on the API listener: its files at /console/ (compiled in, served with a
// strict Content-Security-Policy) and signing in and out at /console/session. Once signed in,
// the console calls the /v1 API with its session cookie (RequestGuard) and a CSRF token.
#pragma once

#include "api/router.hpp"
#include "tenancy/console_session.hpp"

namespace punchlink::relay::api {

// GET /console, /console/ and every file; POST, GET and DELETE /console/session.
void addConsoleRoutes(Router& router, tenancy::ConsoleSessionService& sessions);

}  // namespace punchlink::relay::api
