package dev.faultline.console.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Level;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium driven through Debian's chromedriver: the browser of the dashboard's end-to-end tests.
 * {@code .ci/run} installs both ({@code apt-get install chromium chromium-driver}); where they are missing the tests
 * that need them skip, saying so. Other locations: {@code -Dfaultline.chromium=PATH}, {@code
 * -Dfaultline.chromedriver=PATH}. Stateless; thread-safe.
 */
public final class HeadlessChromium {
  public static final Path BROWSER = Path.of(System.getProperty("faultline.chromium", "/usr/bin/chromium"));
  public static final Path DRIVER = Path.of(System.getProperty("faultline.chromedriver", "/usr/bin/chromedriver"));

  private HeadlessChromium() {}

  /** Why the browser cannot run here, or empty when it can. */
  public static Optional<String> unavailable() {
    for (Path executable : new Path[] {BROWSER, DRIVER}) {
      if (!Files.isExecutable(executable)) {
        return Optional.of(executable + " is missing: install Debian's chromium and chromium-driver (.ci/run does:"
            + " apt-get install chromium chromium-driver) to run the dashboard's end-to-end test");
      }
    }
    return Optional.empty();
  }

  /**
   * A new headless browser with a fresh profile in {@code profile}, its console messages kept for {@link LogType#BROWSER}.
   * No network but loopback is needed: background services that would call out are off.
   */
  public static ChromeDriver start(Path profile) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--window-size=1440,1100", "--user-data-dir=" + profile);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }
}
