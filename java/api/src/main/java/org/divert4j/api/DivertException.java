package org.divert4j.api;

/**
 * A divert operation failed. Carries the Windows error code (docs/spec/device-abi.md §11; the Linux
 * transport reports the same codes), the operation, and a remedy. Subclasses group the codes by
 * what a caller does about them; {@link #of} picks the right one.
 */
public class DivertException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The Windows error code. */
    private final int errorCode;
    /** What was being done. */
    private final String operation;
    /** What the user can do (null for unknown codes). */
    private final String remedy;

    /**
     * @param errorCode the Windows error code
     * @param operation what was being done, e.g. {@code "open \\.\Divert4j"} or {@code "recv"}
     * @param detail extra context for the message (may be null)
     * @param cause the underlying exception (may be null)
     */
    protected DivertException(int errorCode, String operation, String detail, Throwable cause) {
        this(errorCode, operation, detail, null, cause);
    }

    /**
     * @param errorCode the Windows error code
     * @param operation what was being done
     * @param detail extra context for the message (may be null; may span lines)
     * @param remedy a remedy more precise than the error's usual one (null: the usual one)
     * @param cause the underlying exception (may be null)
     */
    protected DivertException(int errorCode, String operation, String detail, String remedy, Throwable cause) {
        this(errorCode, operation, null, detail, remedy, cause);
    }

    /** With a meaning more precise than the error's usual one (null: the usual one). */
    DivertException(int errorCode, String operation, String meaning, String detail, String remedy, Throwable cause) {
        super(message(errorCode, operation, meaning, detail, remedy), cause);
        this.errorCode = errorCode;
        this.operation = operation;
        this.remedy = remedy != null ? remedy : WinError.of(errorCode) == null ? null : WinError.of(errorCode).remedy();
    }

    /** One line of what failed and why, the detail (on its own lines if it spans lines), then the remedy. */
    private static String message(int code, String operation, String meaning, String detail, String remedy) {
        WinError e = WinError.of(code);
        StringBuilder m = new StringBuilder(operation).append(" failed: ");
        if (e == null) {
            m.append("Windows error ").append(code);
        } else {
            m.append(meaning != null ? meaning : e.meaning()).append(" (error ").append(code).append(' ')
                    .append(e.name()).append(')');
        }
        if (detail != null) {
            m.append(detail.indexOf('\n') >= 0 ? ":\n" : ": ").append(detail);
        }
        String r = remedy != null ? remedy : e == null ? null : e.remedy();
        if (r != null) {
            m.append("\nRemedy: ").append(r);
        }
        return m.toString();
    }

    /** {@return the Windows error code} */
    public int errorCode() {
        return errorCode;
    }

    /** {@return the known error, or null for a code the spec does not list} */
    public WinError error() {
        return WinError.of(errorCode);
    }

    /** {@return what the user can do, or null for an unknown code} */
    public String remedy() {
        return remedy;
    }

    /** {@return the operation that failed} */
    public String operation() {
        return operation;
    }

    /**
     * The exception for an error code: the subclass that groups it, or this class for codes
     * outside the spec.
     *
     * @param errorCode the Windows error the failed call reported
     * @param operation what was being done
     * @param detail extra context (may be null)
     * @return the exception, not thrown
     */
    public static DivertException of(int errorCode, String operation, String detail) {
        WinError e = WinError.of(errorCode);
        if (e == null) {
            return new DivertException(errorCode, operation, detail, null);
        }
        return switch (e) {
            case FILE_NOT_FOUND, PATH_NOT_FOUND, SERVICE_DOES_NOT_EXIST, OPEN_FAILED, BAD_PATHNAME,
                    INVALID_IMAGE_HASH, DRIVER_FAILED_PRIOR_UNLOAD, DRIVER_BLOCKED, EPT_S_NOT_REGISTERED,
                    SERVICE_MARKED_FOR_DELETE, NOT_SUPPORTED -> new DriverUnavailableException(errorCode, operation, detail, null);
            case ACCESS_DENIED -> new AccessDeniedException(operation, detail);
            case INVALID_PARAMETER, INVALID_FUNCTION, BAD_COMMAND -> new InvalidRequestException(errorCode, operation, detail, null, null);
            case INSUFFICIENT_BUFFER -> new BufferTooSmallException(operation, detail);
            case NO_DATA -> new NoDataException(operation);
            case OPERATION_ABORTED -> new AbortedException(operation, detail);
            case HOST_UNREACHABLE -> new HostUnreachableException(operation, detail);
            case NO_SYSTEM_RESOURCES, INVALID_DATA -> new DivertException(errorCode, operation, detail, null);
        };
    }

    /**
     * The driver cannot be used: not installed (2, 3, 1060), installation failed (110, 161,
     * 1072), Windows refused it (577, 1275), the filtering engine is off (1753), it is
     * incompatible (654), or there is no transport on this platform (50).
     */
    public static final class DriverUnavailableException extends DivertException {
        private static final long serialVersionUID = 1L;

        /**
         * @param errorCode the Windows error
         * @param operation what was being done
         * @param detail extra context (may be null)
         * @param cause underlying exception (may be null)
         */
        public DriverUnavailableException(int errorCode, String operation, String detail, Throwable cause) {
            super(errorCode, operation, detail, cause);
        }
    }

    /** Not elevated (5). */
    public static final class AccessDeniedException extends DivertException {
        private static final long serialVersionUID = 1L;

        AccessDeniedException(String operation, String detail) {
            super(WinError.ACCESS_DENIED.code(), operation, detail, null);
        }

        /** On Linux: the host needs root, and there is no device path or Administrator. */
        static AccessDeniedException linux(String detail) {
            return new AccessDeniedException("open", detail,
                    "permission denied: diverting packets on Linux needs root (CAP_NET_ADMIN, and iptables to install rules)",
                    "run as root, e.g. 'sudo java -jar divert4j.jar ...', or 'sudo ip netns exec NS java ...' to divert"
                            + " inside a network namespace");
        }

        private AccessDeniedException(String operation, String detail, String meaning, String remedy) {
            super(WinError.ACCESS_DENIED.code(), operation, meaning, detail, remedy, null);
        }
    }

    /**
     * The request was refused as malformed or untimely: invalid parameter (87), unknown request
     * (1), wrong handle state (22). {@link InvalidFilterException} is the filter case of 87.
     */
    public static class InvalidRequestException extends DivertException {
        private static final long serialVersionUID = 1L;

        InvalidRequestException(int errorCode, String operation, String detail, String remedy, Throwable cause) {
            super(errorCode, operation, detail, remedy, cause);
        }
    }

    /** The filter does not compile for the layer, or the program is too long (87). */
    public static final class InvalidFilterException extends InvalidRequestException {
        private static final long serialVersionUID = 1L;

        /**
         * @param operation what was being done
         * @param detail the compiler's diagnostic (rendered with position and caret)
         * @param cause the compiler's exception (may be null)
         */
        public InvalidFilterException(String operation, String detail, Throwable cause) {
            super(WinError.INVALID_PARAMETER.code(), operation, detail,
                    "fix the filter where marked ('divert4j filter check --layer L FILTER' shows the error)", cause);
        }
    }

    /** A receive truncated its packet, or send data was shorter than its packets (122). */
    public static final class BufferTooSmallException extends DivertException {
        private static final long serialVersionUID = 1L;

        BufferTooSmallException(String operation, String detail) {
            super(WinError.INSUFFICIENT_BUFFER.code(), operation, detail, null);
        }
    }

    /** The handle was shut down and nothing is left (232): the normal end of a receive loop. */
    public static final class NoDataException extends DivertException {
        private static final long serialVersionUID = 1L;

        NoDataException(String operation) {
            super(WinError.NO_DATA.code(), operation, null, null);
        }
    }

    /** The request was cancelled (995), e.g. because the handle was closed meanwhile. */
    public static final class AbortedException extends DivertException {
        private static final long serialVersionUID = 1L;

        AbortedException(String operation, String detail) {
            super(WinError.OPERATION_ABORTED.code(), operation, detail, null);
        }
    }

    /** A reinjected impostor packet ran out of TTL and was dropped (1232). */
    public static final class HostUnreachableException extends DivertException {
        private static final long serialVersionUID = 1L;

        HostUnreachableException(String operation, String detail) {
            super(WinError.HOST_UNREACHABLE.code(), operation, detail, null);
        }
    }
}
