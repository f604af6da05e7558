"""Driving the judges' picker (Tom Select over the panel form's multiple select) as a person does."""

from playwright.sync_api import expect


def pick_judge(page, typed: str, choice: str, *, select: str = "#id_judges") -> None:
    """Type `typed` into the picker, click the offered option whose text has `choice`, and close
    the list (it stays open for the next pick, over the buttons below)."""
    page.fill(f"{select}-ts-control", typed)
    options = page.locator(f"{select} + .ts-wrapper .ts-dropdown .option")
    expect(options.filter(has_not_text=choice)).to_have_count(0)  # the list answers what was typed
    options.filter(has_text=choice).first.click()
    page.locator(f"{select} + .ts-wrapper .item", has_text=choice).wait_for()
    page.keyboard.press("Escape")
    page.locator(f"{select} + .ts-wrapper .ts-dropdown").wait_for(state="hidden")
