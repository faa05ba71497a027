package org.divert4j.nativelib;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

/** The library built by this module's CMake step loads and speaks ABI 2.2. */
class NativeLibraryTest {

    @Test
    void bundledLibraryIsOnTheClassPathAndSpeaksAbi22() {
        assertThat(getClass().getClassLoader().getResource("linux-x86-64/libdivert4j.so")).isNotNull();
        assertThat(NativeLibrary.abiVersion()).isEqualTo(0x00020002);
    }
}
