#pragma once

#include <string>

#include "moderation/v1/comment_service.pb.h"

namespace moderation::portal {

// Where the ALTCHA-compatible proof of work plugs into the portal: the
// challenge that comes with each captcha is handed to the `altcha` widget
// (served under /static/altcha/, see PORTAL_ALTCHA_DIR), and the widget's
// payload (its form field "altcha") is forwarded with the submission. A server
// that asks for no proof of work (`pow.enabled = false`) sends no challenge:
// then no widget is rendered and nothing is forwarded.
template <typename CaptchaResponse>
std::string AltchaChallengeJson(const CaptchaResponse& response) {
  if (!response.has_altcha()) {
    return "";
  }
  return response.altcha().json();
}

inline void ForwardProofOfWork(const std::string& payload, v1::SubmitCommentRequest& request) {
  request.set_altcha_payload(payload);
}

}  // namespace moderation::portal
