"""The headers of each request to SUNAT: a browser's whole set when SUNAT_USER_AGENT is a browser's.

SUNAT's firewall rejects a Chrome User-Agent that comes without Chrome's client hints, and public
clients report that SUNAT's hosts want browser-like `Sec-Fetch-*`, `Referer` and `Origin`
(crafter-research/sunat-cli, 2026). So a browser User-Agent gets what that browser would send
for the same request, consistent with its version and platform; any other User-Agent is sent
honestly, with nothing a browser would add.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

_CHROME_RE = re.compile(r"\b(?:Chrome|Chromium|CriOS)/(\d+)")
_FIREFOX_RE = re.compile(r"\bFirefox/(\d+)")
_EDGE_RE = re.compile(r"\bEdg/(\d+)")
_SAFARI_RE = re.compile(r"\bVersion/\d+.*\bSafari/")

_DOCUMENT_ACCEPT = {
    "chrome": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
              "application/signed-exchange;v=b3;q=0.7",
    "firefox": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "safari": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
_IMAGE_ACCEPT = {
    "chrome": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
    "firefox": "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5",
    "safari": "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,"
              "image/svg+xml,image/*;q=0.8,*/*;q=0.5",
}
LANGUAGE = "es-PE,es;q=0.9"


@dataclass(frozen=True)
class Profile:
    """What the User-Agent says it is: "chrome", "firefox", "safari", or "" (not a browser)."""

    user_agent: str
    browser: str
    client_hints: dict

    def document(self, *, referer: str | None = None, origin: str | None = None, same_site: bool = False) -> dict:
        """Headers of a page navigation: the form page (typed in), or a form posted from a SUNAT page."""
        headers = {"User-Agent": self.user_agent, "Accept-Language": LANGUAGE}
        if referer:
            headers["Referer"] = referer
        if origin:
            headers["Origin"] = origin
        if not self.browser:
            return headers
        headers.update(self.client_hints)
        headers.update({
            "Accept": _DOCUMENT_ACCEPT[self.browser],
            "Upgrade-Insecure-Requests": "1",
            "Sec-Fetch-Dest": "document",
            "Sec-Fetch-Mode": "navigate",
            "Sec-Fetch-Site": "same-origin" if same_site else "none",
            "Sec-Fetch-User": "?1",
        })
        if origin:
            headers["Cache-Control"] = "max-age=0"
        return headers

    def xhr(self, *, referer: str, origin: str) -> dict:
        """Headers of a JSON request a SUNAT page's script sends (the exchange rate's month query)."""
        headers = {"User-Agent": self.user_agent, "Accept-Language": LANGUAGE, "Referer": referer, "Origin": origin,
                   "Accept": "application/json, text/javascript, */*; q=0.01", "X-Requested-With": "XMLHttpRequest"}
        if not self.browser:
            return headers
        headers.update(self.client_hints)
        headers.update({"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Site": "same-origin"})
        return headers

    def image(self, *, referer: str) -> dict:
        """Headers of an image the page loads (the captcha)."""
        headers = {"User-Agent": self.user_agent, "Accept-Language": LANGUAGE, "Referer": referer}
        if not self.browser:
            return headers
        headers.update(self.client_hints)
        headers.update({"Accept": _IMAGE_ACCEPT[self.browser], "Sec-Fetch-Dest": "image",
                        "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "same-origin"})
        return headers


@lru_cache(maxsize=8)
def profile(user_agent: str) -> Profile:
    """The header profile of SUNAT_USER_AGENT."""
    if chrome := _CHROME_RE.search(user_agent):
        major = (_EDGE_RE.search(user_agent) or chrome).group(1)
        brand = "Microsoft Edge" if _EDGE_RE.search(user_agent) else "Google Chrome"
        hints = {
            # Chrome's GREASE brand and order as Chrome 1xx sends them.
            "Sec-CH-UA": f'"{brand}";v="{major}", "Chromium";v="{chrome.group(1)}", "Not_A Brand";v="24"',
            "Sec-CH-UA-Mobile": "?1" if "Mobile" in user_agent else "?0",
            "Sec-CH-UA-Platform": f'"{_platform(user_agent)}"',
        }
        return Profile(user_agent, "chrome", hints)
    if _FIREFOX_RE.search(user_agent):
        return Profile(user_agent, "firefox", {})
    if _SAFARI_RE.search(user_agent):
        return Profile(user_agent, "safari", {})
    return Profile(user_agent, "", {})


def _platform(user_agent: str) -> str:
    for marker, platform in (("Android", "Android"), ("Windows", "Windows"), ("Mac OS X", "macOS"),
                             ("CrOS", "Chrome OS"), ("Linux", "Linux")):
        if marker in user_agent:
            return platform
    return "Unknown"
