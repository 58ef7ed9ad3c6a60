#pragma once

#include <grpcpp/grpcpp.h>

#include "moderation/v1/errors.pb.h"

namespace moderation::testing {

// The ErrorDetail of a refused call, decoded as any client built from proto/
// alone would; empty when the status carries none.
inline v1::ErrorDetail DetailOf(const grpc::Status& status) {
  v1::RpcStatus rpc_status;
  v1::ErrorDetail detail;
  if (rpc_status.ParseFromString(status.error_details()) && rpc_status.details_size() == 1) {
    rpc_status.details(0).UnpackTo(&detail);
  }
  return detail;
}

}  // namespace moderation::testing
