package dev.twostep.browser;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium (package {@code chromium}) driven through Debian's chromedriver (package
 * {@code chromium-driver}), both named by path so that Selenium Manager never looks for, or downloads, a
 * browser or a driver. One instance is one browser with its own profile, hence its own cookies.
 */
final class Chromium implements AutoCloseable {
    static final Path BROWSER = Path.of(setting("twostep.test.chromium", "TWOSTEP_TEST_CHROMIUM", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(setting("twostep.test.chromedriver", "TWOSTEP_TEST_CHROMEDRIVER",
            "/usr/bin/chromedriver"));

    /** A screen: CSS pixels, and whether the page is laid out as on a phone (meta viewport honoured). */
    record Screen(String name, int width, int height, boolean mobile) {
        static final Screen PHONE = new Screen("phone", 390, 844, true);
        static final Screen DESKTOP = new Screen("desktop", 1280, 800, false);

        @Override
        public String toString() {
            return name + " " + width + "x" + height;
        }
    }

    /**
     * Selenium looks for a DevTools module matching the browser's version on every start and warns that
     * there is none: executeCdpCommand goes through chromedriver and needs none. Kept here, so the setting
     * is not collected with the logger.
     */
    private static final java.util.logging.Logger CDP_VERSION_FINDER = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    private final ChromeDriver driver;

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        logger.setLevel(java.util.logging.Level.SEVERE);
        return logger;
    }

    private Chromium(ChromeDriver driver) {
        this.driver = driver;
    }

    static String setting(String property, String env, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? fallback : value;
    }

    /** Skips the calling test, saying what to install, when Chromium or its driver is not there. */
    static void assumeInstalled() {
        assumeOrSay(Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER),
                "Browser tests skipped: no Chromium at " + BROWSER + " or no chromedriver at " + DRIVER
                        + " (apt-get install chromium chromium-driver; .ci/run installs them)");
    }

    /** A JUnit assumption whose reason is printed too: the build's console shows only a count of skips. */
    static void assumeOrSay(boolean condition, String reason) {
        if (!condition) {
            System.out.println(reason);
        }
        assumeTrue(condition, reason);
    }

    /**
     * Starts a headless Chromium showing pages at this screen size, asking for pages in this language
     * (an Accept-Language value such as "de" or "en-US,en").
     */
    static Chromium start(Screen screen, String acceptLanguage) {
        assumeInstalled();
        // Belt and braces with the explicit paths below: Selenium Manager must not try to fetch anything.
        System.setProperty("SE_AVOID_BROWSER_DOWNLOAD", "true");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=" + screen.width() + "," + screen.height(),
                "--lang=" + acceptLanguage.split(",")[0]);
        // Headless Chromium ignores --lang for Accept-Language; the profile's preference is what it sends.
        options.setExperimentalOption("prefs", Map.of("intl.accept_languages", acceptLanguage));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        Chromium chromium = new Chromium(driver);
        try {
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
            // The window's size is not the page's: emulate the screen itself, as the phone's browser has it.
            driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", screen.width(),
                    "height", screen.height(), "deviceScaleFactor", 1, "mobile", screen.mobile()));
        } catch (RuntimeException e) {
            chromium.close();
            throw e;
        }
        return chromium;
    }

    ChromeDriver driver() {
        return driver;
    }

    void open(String url) {
        driver.get(url);
    }

    /** The path and query of the page shown, as the tests of the other packages compare them. */
    String path() {
        java.net.URI uri = java.net.URI.create(driver.getCurrentUrl());
        return uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    String text() {
        return driver.findElement(By.tagName("body")).getText();
    }

    WebElement byId(String id) {
        return driver.findElement(By.id(id));
    }

    List<WebElement> all(By by) {
        return driver.findElements(by);
    }

    /** Types into an empty field, as a person would (key events, not a value set by script). */
    void type(String id, String value) {
        WebElement field = byId(id);
        field.clear();
        field.sendKeys(value);
    }

    /**
     * Clicks and waits until the page that follows has replaced this one and has loaded. This page's window
     * gets a mark first; a new document comes with a new window object, without it.
     */
    void clickAndWait(WebElement element) {
        driver.executeScript("window.twostepTestOldPage = true");
        element.click();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!newPageLoaded()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no new page 30 s after the click, still at " + driver.getCurrentUrl());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    private boolean newPageLoaded() {
        try {
            return Boolean.TRUE.equals(driver.executeScript(
                    "return window.twostepTestOldPage === undefined && document.readyState === 'complete'"));
        } catch (org.openqa.selenium.WebDriverException e) {
            // In the middle of the navigation the old document's context can be gone before the new one is ready.
            return false;
        }
    }

    /** Submits the form that holds the field with this id, by its submit button. */
    void submitFormOf(String id) {
        clickAndWait(byId(id).findElement(By.xpath("ancestor::form//button[@type='submit']")));
    }

    /** Saves what the screen shows now as a PNG, without the text caret (it blinks: one picture has it, the next not). */
    void screenshot(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        driver.executeScript("document.documentElement.style.caretColor = 'transparent'");
        Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    @Override
    public void close() {
        driver.quit();
    }
}
