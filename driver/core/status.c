#include "core/status.h"

uint32_t divert_status_win32_error(divert_status status)
{
    switch (status) {
    case DIVERT_STATUS_SUCCESS: return 0;
    case DIVERT_STATUS_INVALID_PARAMETER: return 87;
    case DIVERT_STATUS_BUFFER_TOO_SMALL: return 122;
    case DIVERT_STATUS_PIPE_EMPTY: return 232;
    case DIVERT_STATUS_HOPLIMIT_EXCEEDED: return 1232;
    case DIVERT_STATUS_INVALID_DEVICE_STATE: return 22;
    case DIVERT_STATUS_INVALID_DEVICE_REQUEST: return 1;
    case DIVERT_STATUS_INSUFFICIENT_RESOURCES: return 1450;
    case DIVERT_STATUS_CANCELLED: return 995;
    }
    return 87;
}

const char *divert_status_name(divert_status status)
{
    switch (status) {
    case DIVERT_STATUS_SUCCESS: return "SUCCESS";
    case DIVERT_STATUS_INVALID_PARAMETER: return "INVALID_PARAMETER";
    case DIVERT_STATUS_BUFFER_TOO_SMALL: return "BUFFER_TOO_SMALL";
    case DIVERT_STATUS_PIPE_EMPTY: return "PIPE_EMPTY";
    case DIVERT_STATUS_HOPLIMIT_EXCEEDED: return "HOPLIMIT_EXCEEDED";
    case DIVERT_STATUS_INVALID_DEVICE_STATE: return "INVALID_DEVICE_STATE";
    case DIVERT_STATUS_INVALID_DEVICE_REQUEST: return "INVALID_DEVICE_REQUEST";
    case DIVERT_STATUS_INSUFFICIENT_RESOURCES: return "INSUFFICIENT_RESOURCES";
    case DIVERT_STATUS_CANCELLED: return "CANCELLED";
    }
    return "UNKNOWN";
}
