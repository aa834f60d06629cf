package dev.faultline.console.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.faultline.console.demo.HeadlessChromium;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's fault-tree view in a real headless Chromium: an importance measure that is undefined (null in the
 * JSON) reads {@code undefined} and an infinite one ({@code "Infinity"}) reads {@code ∞}, so the two are not shown
 * alike. Skips, saying why, where Chromium or chromedriver is not installed.
 */
class FaultTreeViewBrowserTest {
  /** How long the page may take to log in and show the analysis on a busy machine; not a measurement. */
  private static final Duration SHOWN_WITHIN = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void undefinedAndInfiniteImportanceReadDifferently() {
    Assumptions.assumeTrue(HeadlessChromium.unavailable().isEmpty(), () -> HeadlessChromium.unavailable().get());
    // A and B: P(top) = 0 because p(A) = 0, so CIF and DIF of A are 0 / 0 and its RAW is 0.5 / 0.
    String never = "<opsa-mef><define-fault-tree name=\"t\"><define-gate name=\"top\"><and><basic-event name=\"A\"/>"
        + "<basic-event name=\"B\"/></and></define-gate></define-fault-tree><model-data><define-basic-event"
        + " name=\"A\"><float value=\"0\"/></define-basic-event><define-basic-event name=\"B\"><float"
        + " value=\"0.5\"/></define-basic-event></model-data></opsa-mef>";
    try (ServerFixture f = new ServerFixture(dir.resolve("data"))) {
      String admin = f.setUpAndLogInAdmin();
      ServerFixture.Reply uploaded = f.put("/api/v1/fault-trees/never", admin, "application/xml", never);
      assertEquals(201, uploaded.status(), uploaded.body());

      ChromeDriver browser = HeadlessChromium.start(dir.resolve("profile"));
      try {
        WebDriverWait wait = new WebDriverWait(browser, SHOWN_WITHIN);
        browser.get(f.server.baseUri() + "/#/fault-trees/never");
        WebElement login = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
        login.findElement(By.name("user")).sendKeys("admin");
        login.findElement(By.name("password")).sendKeys(ServerFixture.ADMIN_PASSWORD);
        login.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("kpis")));
        browser.get(f.server.baseUri() + "/#/fault-trees/never");
        wait.until(d -> d.findElements(By.cssSelector("#importance-table tbody tr")).size() == 2);
        List<String> a = browser.findElements(By.cssSelector("#importance-table tbody tr")).stream()
            .map(r -> r.findElements(By.tagName("td")).stream().map(WebElement::getText).toList())
            .filter(cells -> cells.get(0).equals("A")).findFirst().orElseThrow();
        // Event, Probability, Birnbaum, Criticality, Fussell-Vesely, RAW, RRW
        assertEquals(List.of("A", "0", "0.5", "undefined", "undefined", "∞", "1"), a);
        assertTrue(browser.findElements(By.cssSelector("#importance-table td")).stream()
            .noneMatch(td -> td.getText().equals("—")), "no measure is shown as missing");
      } finally {
        browser.quit();
      }
    }
  }
}
