/**
 * Every string the public site shows, per language. Arabic first; English is
 * the fallback for any other site language. Plural-sensitive phrases take
 * their forms from `Intl.PluralRules` categories (see format.ts).
 */
export type Lang = 'ar' | 'en';

export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

export interface Messages {
  skipToContent: string;
  home: string;
  mainMenu: string;
  breaking: string;
  latest: string;
  mostRead: string;
  readMore: string;
  by: string;
  publishedOn: string;
  updatedOn: string;
  readingTime: PluralForms;
  articleCount: PluralForms;
  tags: string;
  share: string;
  shareOn: (network: string) => string;
  copyLink: string;
  aboutAuthor: string;
  authorArticles: string;
  related: string;
  previousArticle: string;
  nextArticle: string;
  comments: string;
  commentsSoon: string;
  category: string;
  tag: string;
  author: string;
  pageOf: (page: number, pages: number) => string;
  pagination: string;
  newer: string;
  older: string;
  noArticles: string;
  notFoundTitle: string;
  notFoundText: string;
  badRequestTitle: string;
  badRequestText: string;
  serverErrorTitle: string;
  serverErrorText: string;
  backHome: string;
  toggleTheme: string;
  darkMode: string;
  lightMode: string;
  footerNav: string;
}

const ar: Messages = {
  skipToContent: 'انتقل إلى المحتوى',
  home: 'الرئيسية',
  mainMenu: 'القائمة الرئيسية',
  breaking: 'عاجل',
  latest: 'آخر الأخبار',
  mostRead: 'الأكثر قراءة',
  readMore: 'اقرأ المزيد',
  by: 'بقلم',
  publishedOn: 'نُشر في',
  updatedOn: 'آخر تحديث',
  readingTime: {
    zero: 'أقل من دقيقة',
    one: 'دقيقة واحدة',
    two: 'دقيقتان',
    few: '{n} دقائق',
    many: '{n} دقيقة',
    other: '{n} دقيقة',
  },
  articleCount: {
    zero: 'لا توجد مقالات',
    one: 'مقال واحد',
    two: 'مقالان',
    few: '{n} مقالات',
    many: '{n} مقالاً',
    other: '{n} مقال',
  },
  tags: 'الوسوم',
  share: 'شارك المقال',
  shareOn: (network) => `شارك على ${network}`,
  copyLink: 'رابط المقال',
  aboutAuthor: 'عن الكاتب',
  authorArticles: 'كل مقالات الكاتب',
  related: 'مقالات ذات صلة',
  previousArticle: 'المقال السابق',
  nextArticle: 'المقال التالي',
  comments: 'التعليقات',
  commentsSoon: 'التعليقات مغلقة حالياً.',
  category: 'القسم',
  tag: 'الوسم',
  author: 'الكاتب',
  pageOf: (page, pages) => `الصفحة ${page} من ${pages}`,
  pagination: 'التنقل بين الصفحات',
  newer: 'الأحدث',
  older: 'الأقدم',
  noArticles: 'لا توجد مقالات هنا بعد.',
  notFoundTitle: 'الصفحة غير موجودة',
  notFoundText: 'عذراً، لم نجد الصفحة التي تبحث عنها. ربما نُقلت أو حُذفت، أو أن الرابط غير صحيح.',
  badRequestTitle: 'طلب غير صالح',
  badRequestText: 'لم نفهم هذا الطلب. تحقق من الرابط وحاول مرة أخرى.',
  serverErrorTitle: 'حدث خطأ',
  serverErrorText: 'عذراً، حدث خطأ غير متوقع من جهتنا. حاول مرة أخرى بعد قليل.',
  backHome: 'العودة إلى الصفحة الرئيسية',
  toggleTheme: 'تبديل المظهر الداكن',
  darkMode: 'داكن',
  lightMode: 'فاتح',
  footerNav: 'روابط الموقع',
};

const en: Messages = {
  skipToContent: 'Skip to content',
  home: 'Home',
  mainMenu: 'Main menu',
  breaking: 'Breaking',
  latest: 'Latest news',
  mostRead: 'Most read',
  readMore: 'Read more',
  by: 'By',
  publishedOn: 'Published',
  updatedOn: 'Updated',
  readingTime: { one: '1 min read', other: '{n} min read' },
  articleCount: { zero: 'No articles', one: '1 article', other: '{n} articles' },
  tags: 'Tags',
  share: 'Share this article',
  shareOn: (network) => `Share on ${network}`,
  copyLink: 'Article link',
  aboutAuthor: 'About the author',
  authorArticles: 'All articles by this author',
  related: 'Related articles',
  previousArticle: 'Previous article',
  nextArticle: 'Next article',
  comments: 'Comments',
  commentsSoon: 'Comments are closed for now.',
  category: 'Section',
  tag: 'Tag',
  author: 'Author',
  pageOf: (page, pages) => `Page ${page} of ${pages}`,
  pagination: 'Pagination',
  newer: 'Newer',
  older: 'Older',
  noArticles: 'No articles here yet.',
  notFoundTitle: 'Page not found',
  notFoundText: 'Sorry, we could not find that page. It may have moved or been removed, or the link is wrong.',
  badRequestTitle: 'Bad request',
  badRequestText: 'We could not understand this request. Check the link and try again.',
  serverErrorTitle: 'Something went wrong',
  serverErrorText: 'Sorry, something went wrong on our side. Please try again in a moment.',
  backHome: 'Back to the home page',
  toggleTheme: 'Toggle dark mode',
  darkMode: 'Dark',
  lightMode: 'Light',
  footerNav: 'Site links',
};

export function messagesFor(lang: string): Messages {
  return lang === 'ar' ? ar : en;
}
