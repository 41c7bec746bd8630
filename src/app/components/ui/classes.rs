//! Tailwind class strings for controls that are plain elements (buttons,
//! inputs), so each look is spelled once.

/// Classes for a primary (filled) button.
pub const BUTTON_PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-sky-700 px-3 py-2 \
    text-sm font-medium text-white shadow-sm hover:bg-sky-800 disabled:cursor-not-allowed disabled:opacity-50";
/// Classes for a secondary (outlined) button.
pub const BUTTON_SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md border \
    border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-700 hover:bg-slate-100 \
    dark:border-slate-700 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";
/// Classes for a button that destroys something.
pub const BUTTON_DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-rose-600 px-3 py-2 \
    text-sm font-medium text-white shadow-sm hover:bg-rose-500 disabled:cursor-not-allowed disabled:opacity-50";
/// Classes for text inputs and selects.
pub const INPUT: &str = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm \
    shadow-sm placeholder:text-slate-400 focus:border-sky-500 disabled:cursor-not-allowed disabled:opacity-60 \
    aria-[invalid=true]:border-rose-500 dark:border-slate-700 dark:bg-slate-900";
