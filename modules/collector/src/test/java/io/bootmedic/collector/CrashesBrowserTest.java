package io.bootmedic.collector;

import io.bootmedic.collector.store.Diagnoses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash page in a real headless Chromium, as {@link DashboardBrowserTest} does it: an admin opens
 * "Crashes" from the navigation, sees the driver crashing two machines, narrows the page to it; a
 * computer name holding a script shows as text and runs nothing. A screenshot goes to target/.
 */
class CrashesBrowserTest {
    static final String SCRIPT_NAME = "<script>document.title='pwned'</script>";

    @TempDir
    Path tmp;
    TestCollector collector;
    WebDriver browser;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DashboardBrowserTest.CHROMIUM) && Files.isExecutable(DashboardBrowserTest.DRIVER),
                "skipped: Debian's chromium and chromium-driver are not installed (scripts/setup-debian.sh installs them)");
        collector = TestCollector.start(tmp.resolve("collector"), null, 60);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(DashboardBrowserTest.CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1400", "--user-data-dir=" + tmp.resolve("chrome-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DashboardBrowserTest.DRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (collector != null) {
            collector.close();
        }
    }

    static String ago(int minutes) {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(minutes, ChronoUnit.MINUTES).toString();
    }

    void send(String computer, java.util.Map<String, Object> diagnosis) throws Exception {
        collector.agentClient().sendReport(Diagnoses.bytes(Diagnoses.report(UUID.randomUUID().toString(), computer, "SN-" + computer, ago(1), diagnosis)));
    }

    @Test
    void anAdminOpensCrashesSeesTheDriverCrashingTheFleetAndNarrowsToIt() throws Exception {
        send("DESK-0001", Diagnoses.diagnosis(List.of(
                Diagnoses.dump("Windows/Minidump/a.dmp", ago(90), "0x00000050", "PAGE_FAULT_IN_NONPAGED_AREA", "csagent.sys")), null));
        send("DESK-0002", Diagnoses.diagnosis(List.of(
                Diagnoses.dump("Windows/Minidump/b.dmp", ago(30), "0x50", "PAGE_FAULT_IN_NONPAGED_AREA", "csagent.sys"),
                Diagnoses.dump("Windows/MEMORY.DMP", ago(20), "0x7E", "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED", "other.sys")), null));
        send(SCRIPT_NAME, Diagnoses.diagnosis(List.of(), Diagnoses.pending("Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.3880.1.7")));

        browser.get(collector.url + "/login");
        browser.findElement(By.id("token")).sendKeys(collector.created.adminToken());
        clickAndWaitForNextPage(By.id("login"));
        clickAndWaitForNextPage(By.linkText("Crashes"));

        assertEquals("2", browser.findElement(By.id("crash-machines")).getText());
        assertEquals("3", browser.findElement(By.id("crash-dumps")).getText());
        List<WebElement> codes = browser.findElements(By.cssSelector("#bugchecks tbody tr"));
        assertEquals(2, codes.size());
        assertTrue(codes.get(0).getText().startsWith("0x00000050 PAGE_FAULT_IN_NONPAGED_AREA 2 2"), codes.get(0).getText());
        WebElement driver = browser.findElements(By.cssSelector("#drivers tbody tr")).get(0);
        assertTrue(driver.getText().startsWith("csagent.sys 0x00000050 2 2"), driver.getText());
        assertTrue(browser.findElement(By.id("crash-chart")).isDisplayed());
        WebElement pending = browser.findElement(By.cssSelector("#pending tbody tr"));
        assertTrue(pending.getText().startsWith(SCRIPT_NAME), "the hostile name is shown as text: " + pending.getText());
        assertTrue(pending.getText().contains("DISM /Image:C:\\ /Cleanup-Image /RevertPendingActions"), pending.getText());
        assertEquals("Crashes · bootmedic collector", browser.getTitle(), "no script ran");
        assertThrows(NoAlertPresentException.class, () -> browser.switchTo().alert());
        screenshot("dashboard-crashes");

        clickAndWaitForNextPage(By.linkText("csagent.sys"));
        assertTrue(browser.findElement(By.id("crash-filter")).getText().contains("csagent.sys"));
        assertEquals("2", browser.findElement(By.id("crash-machines")).getText());
        assertEquals(1, browser.findElements(By.cssSelector("#bugchecks tbody tr")).size(), "only the code csagent.sys caused");
        clickAndWaitForNextPage(By.id("crash-all"));
        assertEquals("3", browser.findElement(By.id("crash-dumps")).getText());
    }

    /** As {@link DashboardBrowserTest}: clicks, then waits until the browser has replaced the page. */
    private void clickAndWaitForNextPage(By what) {
        WebElement oldPage = browser.findElement(By.tagName("html"));
        browser.findElement(what).click();
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.until(d -> {
            try {
                oldPage.isEnabled();
                return false;
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                return true;
            } catch (org.openqa.selenium.WebDriverException e) {
                if (String.valueOf(e.getMessage()).contains("does not belong to the document")) {
                    return true;
                }
                throw e;
            }
        });
        wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    private void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path out = Path.of("target", name + ".png");
        Files.createDirectories(out.getParent());
        Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }
}
