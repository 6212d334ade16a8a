#include "daiban/mobile/app/field_worker_service.hpp"

#include "daiban/kernel/errors.hpp"

namespace daiban::mobile {

using kernel::Role;

FieldWorkerService::OwnRecord FieldWorkerService::Own(const cases::Actor& user) {
  OwnRecord record;
  if (user.role == Role::kAgent) {
    record.agent = dispatch_.OwnRecord(user);
  } else if (user.role == Role::kCourier) {
    record.courier = deliveries_.Courier(user.user_id);
  } else {
    throw kernel::Forbidden("only agents and couriers have a working record");
  }
  return record;
}

void FieldWorkerService::SetDuty(const cases::Actor& user, bool on_duty) {
  if (user.role == Role::kAgent) {
    dispatch_.SetDuty(user.user_id, on_duty);
  } else if (user.role == Role::kCourier) {
    deliveries_.SetDuty(user.user_id, on_duty);
  } else {
    throw kernel::Forbidden("only agents and couriers go on duty");
  }
}

}  // namespace daiban::mobile
