"""The F5 firewall's User-Agent rule (``config.check_user_agent``), answered with its
"Request Rejected" page.

A Chrome User-Agent must come with Chrome's client hints (``Sec-CH-UA``), and they must name the
same major version as the User-Agent's ``Chrome/NNN``: a scripted client that borrows a Chrome
User-Agent gives itself away by either. Headless Chromium passes: its ``HeadlessChrome/NNN``
holds ``Chrome/NNN``, and its own hints name NNN for "Chromium" or "HeadlessChrome".
"""

import re

_CHROME_MAJOR = re.compile(r"Chrome/(\d+)")  # also inside HeadlessChrome/NNN
# One brand of Sec-CH-UA: "Chromium";v="131" (GREASE brands such as "Not_A Brand" too).
_BRAND = re.compile(r'"([^"]*)"\s*;\s*v\s*=\s*"(\d+)')


def rejects(headers, config):
    """Whether the firewall turns these request headers away."""
    if not config.check_user_agent:
        return False
    user_agent = headers.get("User-Agent", "")
    if "Chrome/" not in user_agent:
        return False
    hints = headers.get("Sec-CH-UA")
    major = _CHROME_MAJOR.search(user_agent)
    if hints is None or major is None:
        return True
    # Only Chrome's own brands count: a GREASE brand's version is arbitrary.
    return not any(
        "Chrom" in brand and version == major.group(1) for brand, version in _BRAND.findall(hints)
    )
