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
  /** Password-protected articles (content/protection.ts). */
  protectedArticle: string;
  protectedIntro: string;
  articlePassword: string;
  unlockArticle: string;
  authorArticles: string;
  related: string;
  previousArticle: string;
  nextArticle: string;
  comments: string;
  commentsSoon: string;
  commentCount: PluralForms;
  leaveComment: string;
  leaveReply: (name: string) => string;
  cancelReply: string;
  emailPrivate: string;
  requiredFields: string;
  commentName: string;
  commentEmail: string;
  commentWebsite: string;
  commentText: string;
  rememberMe: string;
  notifyReplies: string;
  sendComment: string;
  reply: string;
  awaitingModeration: string;
  commentsClosed: string;
  staffBadge: string;
  honeypotLabel: string;
  commentSent: string;
  commentFormErrors: string;
  commentPermalink: string;
  commentPages: string;
  commentsFeed: string;
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
  footerNav: string;
  search: string;
  searchLabel: string;
  searchButton: string;
  searchTitle: (q: string) => string;
  resultCount: PluralForms;
  noResults: string;
  didYouMean: string;
  emptyQuery: string;
  nothingSearchable: string;
  truncated: string;
  partialMatch: string;
  /** The search matched more articles than are ranked: the newest of them were. */
  manyMatches: (n: string) => string;
  moreThan: string;
  searchFilters: string;
  allSections: string;
  fromDate: string;
  toDate: string;
  applyFilters: string;
  suggestions: string;
}

const ar: Messages = {
  skipToContent: 'انتقل إلى المحتوى',
  home: 'الرئيسية',
  mainMenu: 'القائمة الرئيسية',
  breaking: 'عاجل',
  latest: 'آخر الأخبار',
  mostRead: 'الأكثر قراءة',
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
  protectedArticle: 'محمي بكلمة مرور',
  protectedIntro: 'هذا المقال محمي بكلمة مرور. اكتبها لتقرأه.',
  articlePassword: 'كلمة المرور',
  unlockArticle: 'اعرض المقال',
  authorArticles: 'كل مقالات الكاتب',
  related: 'مقالات ذات صلة',
  previousArticle: 'المقال السابق',
  nextArticle: 'المقال التالي',
  comments: 'التعليقات',
  commentsSoon: 'التعليقات مغلقة حالياً.',
  commentCount: {
    zero: 'لا توجد تعليقات',
    one: 'تعليق واحد',
    two: 'تعليقان',
    few: '{n} تعليقات',
    many: '{n} تعليقاً',
    other: '{n} تعليق',
  },
  leaveComment: 'اترك تعليقاً',
  leaveReply: (name) => `الرد على ${name}`,
  cancelReply: 'إلغاء الرد',
  emailPrivate: 'لن يتم نشر عنوان بريدك الإلكتروني.',
  requiredFields: 'الحقول الإلزامية مشار إليها بـ *',
  commentName: 'الاسم',
  commentEmail: 'البريد الإلكتروني',
  commentWebsite: 'الموقع الإلكتروني',
  commentText: 'التعليق',
  rememberMe: 'احفظ اسمي وبريدي الإلكتروني وموقعي في هذا المتصفح لاستخدامها المرة المقبلة.',
  notifyReplies: 'أعلمني بالردود على تعليقي عبر البريد الإلكتروني.',
  sendComment: 'إرسال التعليق',
  reply: 'رد',
  awaitingModeration: 'تعليقك بانتظار المراجعة، وسيظهر للقراء بعد الموافقة عليه.',
  commentsClosed: 'التعليقات مغلقة على هذا المقال.',
  staffBadge: 'فريق التحرير',
  honeypotLabel: 'اترك هذا الحقل فارغاً',
  commentSent: 'نُشر تعليقك.',
  commentFormErrors: 'لم يُرسل التعليق؛ صحّح ما هو مشار إليه أدناه.',
  commentPermalink: 'رابط التعليق',
  commentPages: 'صفحات التعليقات',
  commentsFeed: 'خلاصة التعليقات',
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
  footerNav: 'روابط الموقع',
  search: 'بحث',
  searchLabel: 'ابحث في المجلة',
  searchButton: 'ابحث',
  searchTitle: (q) => `نتائج البحث عن: ${q}`,
  resultCount: {
    zero: 'لا توجد نتائج',
    one: 'نتيجة واحدة',
    two: 'نتيجتان',
    few: '{n} نتائج',
    many: '{n} نتيجة',
    other: '{n} نتيجة',
  },
  noResults: 'لم نجد مقالات تطابق بحثك. جرّب كلمات أخرى أو أقل.',
  didYouMean: 'هل تقصد:',
  emptyQuery: 'اكتب كلمة أو أكثر للبحث في مقالات المجلة.',
  nothingSearchable: 'لم نجد في بحثك كلمات يمكن البحث عنها. استخدم حروفاً أو أرقاماً.',
  truncated: 'بحثك طويل جداً، فاستخدمنا بدايته فقط.',
  partialMatch: 'لا توجد مقالات تضم كل كلمات بحثك، وهذه مقالات تضم بعضها.',
  moreThan: 'أكثر من',
  manyMatches: (n) => `يطابق بحثك أكثر من ${n} مقال، فرتّبنا أحدثها. أضف كلمة أو اختر قسماً لتضييق البحث.`,
  searchFilters: 'تضييق النتائج',
  allSections: 'كل الأقسام',
  fromDate: 'من تاريخ',
  toDate: 'إلى تاريخ',
  applyFilters: 'تطبيق',
  suggestions: 'اقتراحات',
};

const en: Messages = {
  skipToContent: 'Skip to content',
  home: 'Home',
  mainMenu: 'Main menu',
  breaking: 'Breaking',
  latest: 'Latest news',
  mostRead: 'Most read',
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
  protectedArticle: 'Password protected',
  protectedIntro: 'This article is protected by a password. Enter it to read it.',
  articlePassword: 'Password',
  unlockArticle: 'Show the article',
  authorArticles: 'All articles by this author',
  related: 'Related articles',
  previousArticle: 'Previous article',
  nextArticle: 'Next article',
  comments: 'Comments',
  commentsSoon: 'Comments are closed for now.',
  commentCount: { zero: 'No comments', one: '1 comment', other: '{n} comments' },
  leaveComment: 'Leave a comment',
  leaveReply: (name) => `Reply to ${name}`,
  cancelReply: 'Cancel reply',
  emailPrivate: 'Your email address will not be published.',
  requiredFields: 'Required fields are marked *',
  commentName: 'Name',
  commentEmail: 'Email',
  commentWebsite: 'Website',
  commentText: 'Comment',
  rememberMe: 'Save my name, email and website in this browser for the next time I comment.',
  notifyReplies: 'Email me when someone replies to my comment.',
  sendComment: 'Post comment',
  reply: 'Reply',
  awaitingModeration: 'Your comment is awaiting moderation; readers will see it once approved.',
  commentsClosed: 'Comments are closed on this article.',
  staffBadge: 'Staff',
  honeypotLabel: 'Leave this field empty',
  commentSent: 'Your comment is published.',
  commentFormErrors: 'The comment was not sent; correct what is marked below.',
  commentPermalink: 'Link to this comment',
  commentPages: 'Comment pages',
  commentsFeed: 'Comments feed',
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
  footerNav: 'Site links',
  search: 'Search',
  searchLabel: 'Search the magazine',
  searchButton: 'Search',
  searchTitle: (q) => `Search results for: ${q}`,
  resultCount: { zero: 'No results', one: '1 result', other: '{n} results' },
  noResults: 'No articles match your search. Try other or fewer words.',
  didYouMean: 'Did you mean:',
  emptyQuery: 'Type one or more words to search the articles.',
  nothingSearchable: 'Your search has no words we can look for. Use letters or digits.',
  truncated: 'Your search was very long, so we used its beginning only.',
  partialMatch: 'No article has all of your words; these have some of them.',
  moreThan: 'More than',
  manyMatches: (n) =>
    `More than ${n} articles match; the newest of them are ranked. Add a word or pick a section to narrow it.`,
  searchFilters: 'Narrow the results',
  allSections: 'All sections',
  fromDate: 'From',
  toDate: 'To',
  applyFilters: 'Apply',
  suggestions: 'Suggestions',
};

export function messagesFor(lang: string): Messages {
  return lang === 'ar' ? ar : en;
}
