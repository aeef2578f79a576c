package dev.twostep.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReturnToTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "//evil.example", "//evil.example/path", "/\\evil.example", "\\\\evil.example", "https://evil.example",
        "http://evil.example/account", "javascript:alert(1)", "JavaScript:alert(1)", "evil.example",
        "/\r\nLocation: https://evil.example",
        "/account\\..\\\\evil", "\t//evil.example", " //evil.example", "", "data:text/html,hi", "/\u0000x",
        "///evil.example", "/\\/evil.example"
    })
    void refusesAnythingThatCouldLeaveTheApp(String candidate) {
        assertNull(ReturnTo.safe(candidate), candidate);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/account", "/account?tab=phone&x=1", "/a/b/c", "/%2F%2Fevil.example",
        "/account#top", "/path/with:colon"})
    void keepsPathsInsideTheApp(String candidate) {
        assertEquals(candidate, ReturnTo.safe(candidate));
    }

    @org.junit.jupiter.api.Test
    void refusesOverlongPaths() {
        assertNull(ReturnTo.safe("/" + "a".repeat(ReturnTo.MAX_LENGTH)));
        assertNull(ReturnTo.safe(null));
    }
}
