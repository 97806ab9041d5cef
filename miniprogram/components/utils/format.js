// Small display helpers shared by the components. They never depend on the phone's time zone.

function pad(n) {
  return String(n).padStart(2, '0');
}

// '2026-12-02T19:00:00+08:00' -> '12月02日 19:00'. The server sends times in the studio's time
// zone with their offset, so the local part of the string is exactly what the parent should see;
// parsing it with Date would shift it to the phone's (or test machine's) zone.
function formatStart(iso) {
  const m = /^\d{4}-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
  return m ? `${m[1]}月${m[2]}日 ${m[3]}:${m[4]}` : '';
}

// 125 seconds -> '02:05' (minutes keep growing past 59: 3600 -> '60:00').
function formatSeconds(total) {
  const s = Math.max(0, Math.floor(total));
  return `${pad(Math.floor(s / 60))}:${pad(s % 60)}`;
}

// '180.00' -> '180.00'; '0.00' -> '0' (a free make-up reads ¥0, the struck price keeps its cents).
function formatFree(price) {
  return Number(price) === 0 ? '0' : String(price);
}

// 0.7 -> '约70%'; null -> '' (not enough history to estimate).
function formatChance(chance) {
  if (chance === null || chance === undefined || chance === '') return '';
  return `约${Math.round(Number(chance) * 100)}%`;
}

module.exports = { pad, formatStart, formatSeconds, formatFree, formatChance };
