export default defineBackground(() => {
  // The session manager is started here; see src/background/.
});
