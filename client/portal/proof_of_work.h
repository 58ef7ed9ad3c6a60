#pragma once

#include <string>

#include "moderation/v1/comment_service.pb.h"

namespace moderation::portal {

// Where the ALTCHA-compatible proof of work plugs into the portal: the
// challenge that comes with each captcha is handed to the `altcha` widget
// (served under /static/altcha/, see PORTAL_ALTCHA_DIR), and the widget's
// payload (its form field "altcha") is forwarded with the submission. While
// the service's API has no such fields, the challenge is empty, no widget is
// rendered and nothing is forwarded.
template <typename CaptchaResponse>
std::string AltchaChallengeJson(const CaptchaResponse& /*response*/) {
  return "";
}

inline void ForwardProofOfWork(const std::string& /*payload*/,
                               v1::SubmitCommentRequest& /*request*/) {}

}  // namespace moderation::portal
