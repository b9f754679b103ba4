// A row added with "Add another" gets its number in the ids its inputs point at: Django renumbers
// id, name and for, but not aria-describedby, which would otherwise point at the hidden template row.
document.addEventListener("formset:added", (event) => {
  const row = event.target;
  const number = row.id.split("-").pop();
  row.querySelectorAll("[aria-describedby*='__prefix__']").forEach((element) => {
    element.setAttribute("aria-describedby", element.getAttribute("aria-describedby").replaceAll("__prefix__", number));
  });
});
