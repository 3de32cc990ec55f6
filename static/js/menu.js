// Menus are <details class="menu">: they open and close without this script. It only makes
// them behave as people expect a menu to: Escape closes an open one (focus back on its
// button), and so does a click or a Tab that lands elsewhere on the page.
(function () {
  const openMenus = () => document.querySelectorAll("details.menu[open]");

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    openMenus().forEach((menu) => {
      const hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });

  const closeOthers = (event) => {
    openMenus().forEach((menu) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
  };
  document.addEventListener("click", closeOthers);
  document.addEventListener("focusin", closeOthers);
})();
