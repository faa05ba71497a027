package org.divert4j.api.spi;

/**
 * How a request completed.
 *
 * @param error the Windows error; 0 on success. Taken only from the failed call itself.
 * @param bytes bytes transferred (on RECV also when the error is 122, the truncated length)
 */
public record IoResult(int error, int bytes) {
    /** {@return true if the request succeeded} */
    public boolean ok() {
        return error == 0;
    }

    /**
     * A success.
     *
     * @param bytes bytes transferred
     * @return the result
     */
    public static IoResult success(int bytes) {
        return new IoResult(0, bytes);
    }

    /**
     * A failure with no bytes.
     *
     * @param error the Windows error
     * @return the result
     */
    public static IoResult failure(int error) {
        return new IoResult(error, 0);
    }
}
