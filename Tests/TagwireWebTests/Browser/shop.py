"""A visitor buys from the demo shop (Properties/meta-quickstart-web/site) in headless Chromium: views the
product, adds it to the cart, checks out, pays and sees the thank-you page.

The shop's pages are served on loopback as http://shop.example.com:<port>/ (Chromium maps every host to 127.0.0.1);
the embed code's https://collect.shop.example.com becomes the `tagwire serve` given, which hosts the library and
receives the forwarded events. The script waits until the Graph API sandbox has every Pixel beacon the journey
should send, then prints the pages it visited as JSON.

usage: python3 shop.py SITE_DIR SERVE_PORT SANDBOX_PORT EXPECTED_BEACONS
"""

import json
import os
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium.webdriver.common.by import By

import chromium

site, serve_port, sandbox_port, expected = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        name = os.path.basename(self.path.split("?")[0]) or "product.html"
        path = os.path.join(site, name)
        if not os.path.isfile(path):
            self.send_response(404)
            self.end_headers()
            return
        with open(path, "rb") as f:
            body = f.read().replace(b"https://collect.shop.example.com", f"http://collect.shop.example.com:{serve_port}".encode())
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
shop = f"http://shop.example.com:{server.server_address[1]}"

driver = chromium.start()


def loaded():
    chromium.wait_for_library(driver, settle_ms=50)
    return driver.current_url


def beacons():
    with urllib.request.urlopen(f"http://127.0.0.1:{sandbox_port}/__sandbox/events", timeout=5) as r:
        events = json.load(r).get("events", [])
    return [e for e in events if e.get("source") == "browser"]


visited = []
try:
    driver.set_script_timeout(30)
    driver.get(shop + "/product.html")
    visited.append(loaded())
    driver.find_element(By.CSS_SELECTOR, "button.add-to-cart span.label").click()
    driver.find_element(By.ID, "to-cart").click()
    visited.append(loaded())
    driver.find_element(By.ID, "checkout-button").click()
    visited.append(loaded())
    driver.find_element(By.ID, "place-order").click()
    visited.append(loaded())
    deadline = time.time() + 30
    while len(beacons()) < expected and time.time() < deadline:
        time.sleep(0.1)
finally:
    driver.quit()
    server.shutdown()
print(json.dumps({"visited": visited, "beacons": len(beacons())}))
