import Foundation

/// Debian's Chromium and its WebDriver, which the browser tests need (`.ci/run` installs them).
public enum Chromium {
    public static let available =
        FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
}
