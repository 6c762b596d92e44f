// Debian's headless Chromium as both browser tests start it: no sandbox (CI
// containers), nothing that talks to the network on its own. On failure the
// test stops at once with a message that says so, prefixed with `label`.
export async function launchChromium(chromium, label) {
  try {
    return await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-dev-shm-usage'],
    });
  } catch (err) {
    console.error(`${label}: FAILED: Chromium could not start (/usr/bin/chromium): ${err.message}`);
    process.exit(1);
  }
}
