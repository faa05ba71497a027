/*
 * The mapping between the core's status codes and NTSTATUS (docs/spec/device-abi.md 11.2). It is a file
 * of its own, at the bottom of the glue, because every request path (dispatch, RECV, SEND,
 * injection) needs it and it needs nothing of theirs.
 */
#include "driver.h"

_Use_decl_annotations_
NTSTATUS DivertNtStatus(divert_status status)
{
    switch (status)
    {
    case DIVERT_STATUS_SUCCESS:                return STATUS_SUCCESS;
    case DIVERT_STATUS_INVALID_PARAMETER:      return STATUS_INVALID_PARAMETER;
    case DIVERT_STATUS_BUFFER_TOO_SMALL:       return STATUS_BUFFER_TOO_SMALL;
    case DIVERT_STATUS_PIPE_EMPTY:             return STATUS_PIPE_EMPTY;
    case DIVERT_STATUS_HOPLIMIT_EXCEEDED:      return STATUS_HOPLIMIT_EXCEEDED;
    case DIVERT_STATUS_INVALID_DEVICE_STATE:   return STATUS_INVALID_DEVICE_STATE;
    case DIVERT_STATUS_INVALID_DEVICE_REQUEST: return STATUS_INVALID_DEVICE_REQUEST;
    case DIVERT_STATUS_INSUFFICIENT_RESOURCES: return STATUS_INSUFFICIENT_RESOURCES;
    case DIVERT_STATUS_CANCELLED:              return STATUS_CANCELLED;
    }
    return STATUS_INVALID_PARAMETER;
}

_Use_decl_annotations_
divert_status DivertCoreStatus(NTSTATUS status)
{
    switch (status)
    {
    case STATUS_SUCCESS:                 return DIVERT_STATUS_SUCCESS;
    case STATUS_BUFFER_TOO_SMALL:        return DIVERT_STATUS_BUFFER_TOO_SMALL;
    case STATUS_HOPLIMIT_EXCEEDED:       return DIVERT_STATUS_HOPLIMIT_EXCEEDED;
    case STATUS_INVALID_DEVICE_STATE:    return DIVERT_STATUS_INVALID_DEVICE_STATE;
    case STATUS_INSUFFICIENT_RESOURCES:  return DIVERT_STATUS_INSUFFICIENT_RESOURCES;
    case STATUS_NO_MEMORY:               return DIVERT_STATUS_INSUFFICIENT_RESOURCES;
    case STATUS_CANCELLED:               return DIVERT_STATUS_CANCELLED;
    default:                             return DIVERT_STATUS_INVALID_PARAMETER;
    }
}
