"""What the browser client runs in SUNAT's pages, and what it waits for in them."""

from selenium.common.exceptions import TimeoutException, WebDriverException

# SUNAT's answer (a result, a section, or one of its error pages) is in the DOM.
ANSWER_IN_DOM_JS = """
if (document.title.match(/Request Rejected|Pagina de (Error|Mensajes)/i)) return true;
if (document.querySelector("div.panel-footer, form[name=formRepLeg], table")) return true;
return /no es v.lido/i.test(document.body ? document.body.innerText : "");
"""
ANSWER_READY_JS = 'if (document.readyState !== "loading") return true;' + ANSWER_IN_DOM_JS

SUBMIT_SECTION_JS = """
var form = document.forms[{form}];
if (!form) {{
    form = document.createElement("form");
    form.method = "post";
    form.action = "jcrS00Alias";
    var fields = {fields};
    for (var name in fields) {{
        var input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = fields[name];
        form.appendChild(input);
    }}
    document.body.appendChild(form);
}}
form.submit();
"""


def left(page):
    """Wait condition: the browser has left `page` (its old <html> element is gone).

    Chromium reports a replaced document either as a stale element or, mid-navigation, as
    "Node ... does not belong to the document": both mean the page changed.
    """

    def condition(driver):
        try:
            page.is_enabled()
        except TimeoutException:
            raise
        except WebDriverException:
            return True
        return False

    return condition
