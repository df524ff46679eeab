// The crontab translation of django-celery-beat's periodic task form, as its template had it inline.
"use strict";
(function ($) {
  const readableCrontabs = JSON.parse(document.getElementById("readable-crontabs").textContent);
  const originalCrontabHelp = JSON.parse(document.getElementById("crontab-help").textContent);
  const updateCrontabHelp = function (additional) {
    const help = $(".field-crontab .help");
    help.text(originalCrontabHelp);
    help.append($("<br>"), document.createTextNode("Translation: " + additional));
  };
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    updateCrontabHelp(readableCrontabs[$("#id_crontab").val()]);
  });
})(django.jQuery);
