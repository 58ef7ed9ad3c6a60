#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "moderation/internal/wire.pb.h"
#include "moderation/v1/comment_service.pb.h"

namespace moderation::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// The server parses portal requests with the lenient twins; a field added to a
// public request and not to its twin would be silently dropped.
void ExpectTwins(const Descriptor* public_message, const Descriptor* twin) {
  ASSERT_EQ(public_message->field_count(), twin->field_count()) << public_message->full_name();
  for (int i = 0; i < public_message->field_count(); ++i) {
    const FieldDescriptor* field = public_message->field(i);
    const FieldDescriptor* twin_field = twin->FindFieldByNumber(field->number());
    ASSERT_NE(twin_field, nullptr) << field->full_name();
    EXPECT_EQ(twin_field->name(), field->name());
    EXPECT_EQ(twin_field->is_repeated(), field->is_repeated()) << field->full_name();
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      EXPECT_EQ(twin_field->type(), FieldDescriptor::TYPE_BYTES) << field->full_name();
    } else {
      EXPECT_EQ(twin_field->type(), field->type()) << field->full_name();
    }
  }
}

TEST(WireTwinsTest, LenientRequestsMatchThePublicOnes) {
  ExpectTwins(v1::CreateCaptchaRequest::descriptor(),
              internal::LenientCreateCaptchaRequest::descriptor());
  ExpectTwins(v1::SubmitCommentRequest::descriptor(),
              internal::LenientSubmitCommentRequest::descriptor());
  ExpectTwins(v1::ListApprovedCommentsRequest::descriptor(),
              internal::LenientListApprovedCommentsRequest::descriptor());
}

TEST(WireTwinsTest, InvalidUtf8ParsesIntoTheTwinOnly) {
  internal::LenientSubmitCommentRequest lenient;
  lenient.set_name("bad \xC3(");
  const std::string wire = lenient.SerializeAsString();
  internal::LenientSubmitCommentRequest parsed;
  EXPECT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(parsed.name(), "bad \xC3(");
}

}  // namespace
}  // namespace moderation::api
