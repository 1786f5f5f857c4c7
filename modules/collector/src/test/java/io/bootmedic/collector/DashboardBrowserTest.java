package io.bootmedic.collector;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
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
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard in a real headless Chromium (Debian's chromium + chromedriver): log in, see the
 * machine an agent just reported, filter, open its detail page. Screenshots go to target/.
 */
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path tmp;
    TestCollector collector;
    WebDriver browser;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "skipped: Debian's chromium and chromium-driver are not installed (scripts/setup-debian.sh installs them)");
        collector = TestCollector.start(tmp.resolve("collector"), null, 60);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // the collector's certificate is self-signed (agents pin it); the browser is told to accept it
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--ignore-certificate-errors",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900", "--user-data-dir=" + tmp.resolve("chrome-profile"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
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

    @Test
    void anAdminLogsInFindsTheMachineAnAgentJustReportedAndOpensItsHistory() throws Exception {
        collector.agentClient().sendReport(Reports.bytes(Reports.report("DESK-0001", "SN1", "fixed", "2024-07-19T06:00:00Z")));
        collector.agentClient().sendReport(Reports.bytes(Reports.report("DESK-0002", "SN2", "failed", "2024-07-19T06:01:00Z")));
        collector.agentClient().sendReport(Reports.bytes(Reports.report("KIOSK-17", "SN3", "fixed", "2024-07-19T06:02:00Z")));

        browser.get(collector.url + "/machines");
        assertTrue(browser.getCurrentUrl().endsWith("/login"), "not logged in: sent to the login page, at " + browser.getCurrentUrl());
        browser.findElement(By.id("token")).sendKeys(collector.created.agentToken());
        clickAndWaitForNextPage(By.id("login"));
        assertTrue(browser.findElement(By.id("login-error")).getText().contains("agent token"), "the agent token is refused with a reason");
        browser.findElement(By.id("token")).sendKeys(collector.created.adminToken());
        clickAndWaitForNextPage(By.id("login"));

        assertEquals("2", browser.findElement(By.cssSelector("#count-fixed .n")).getText());
        assertEquals("1", browser.findElement(By.cssSelector("#count-failed .n")).getText());
        assertTrue(browser.findElement(By.id("fixes-chart")).isDisplayed());
        screenshot("dashboard-overview");

        clickAndWaitForNextPage(By.linkText("Machines"));
        assertEquals(3, rows().size());
        browser.findElement(By.id("search")).sendKeys("kiosk");
        clickAndWaitForNextPage(By.id("filter"));
        List<WebElement> found = rows();
        assertEquals(1, found.size());
        assertTrue(found.get(0).getText().contains("KIOSK-17"), found.get(0).getText());
        screenshot("dashboard-machines");

        clickAndWaitForNextPage(By.cssSelector("#machines tbody tr a"));
        assertEquals("KIOSK-17", browser.findElement(By.id("machine-name")).getText());
        assertEquals("fixed", browser.findElement(By.id("machine-outcome")).getText());
        assertEquals(1, browser.findElements(By.cssSelector("#history tbody tr")).size());
        screenshot("dashboard-machine");

        // a later run of the same machine shows up in its history
        collector.agentClient().sendReport(Reports.bytes(Reports.report("KIOSK-17", "SN3", "clean", "2024-07-19T08:00:00Z")));
        browser.navigate().refresh();
        assertEquals(2, browser.findElements(By.cssSelector("#history tbody tr")).size());
        assertEquals("clean", browser.findElement(By.id("machine-outcome")).getText());
    }

    /**
     * Clicks and waits until the browser has replaced the page: a click that submits a form returns
     * before the next page is there, and reading the old page then fails at random (seen in CI).
     */
    private void clickAndWaitForNextPage(By what) {
        WebElement oldPage = browser.findElement(By.tagName("html"));
        browser.findElement(what).click();
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        // the old page is gone when reading it fails as stale; mid-navigation chromedriver may say so as an inspector error
        // ("Node with given id does not belong to the document"), which means the same (seen in CI)
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
        wait.until(d -> "complete".equals(((org.openqa.selenium.JavascriptExecutor) d).executeScript("return document.readyState")));
    }

    private List<WebElement> rows() {
        return browser.findElements(By.cssSelector("#machines tbody tr"));
    }

    private void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path out = Path.of("target", name + ".png");
        Files.createDirectories(out.getParent());
        Files.copy(shot.toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }
}
