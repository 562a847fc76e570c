#include "builder/run_heredoc.h"

#include <sstream>

namespace layerfs::builder {

namespace {

std::string trimmed(const std::string& text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// "<<EOF", "<<-EOF", "<<'EOF'", "<<\"EOF\"" naming `heredoc`: the whole command is the heredoc.
bool is_only_heredoc(const std::string& line, const Heredoc& heredoc) {
  std::string word = trimmed(line);
  if (word.rfind("<<", 0) != 0) return false;
  word.erase(0, 2);
  if (!word.empty() && word[0] == '-') word.erase(0, 1);
  if (word.size() >= 2 && (word[0] == '\'' || word[0] == '"') && word.back() == word[0])
    word = word.substr(1, word.size() - 2);
  return word == heredoc.name;
}

std::string without_leading_tabs(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    line.erase(0, line.find_first_not_of('\t') == std::string::npos ? line.size()
                                                                    : line.find_first_not_of('\t'));
    out += line + "\n";
  }
  return out;
}

}  // namespace

RunHeredoc heredoc_command(const std::vector<std::string>& shell, const std::string& line,
                           const std::vector<Heredoc>& heredocs) {
  RunHeredoc run;
  if (heredocs.size() == 1 && is_only_heredoc(line, heredocs[0])) {
    const Heredoc& heredoc = heredocs[0];
    std::string script = heredoc.chomp ? without_leading_tabs(heredoc.content) : heredoc.content;
    if (script.rfind("#!", 0) == 0) {
      std::istringstream interpreter(script.substr(2, script.find('\n') - 2));
      for (std::string word; interpreter >> word;) run.argv.push_back(word);
      run.argv.push_back(kHeredocScriptPath);
      run.script = script;
      return run;
    }
    run.argv = shell;
    run.argv.push_back(script);
    return run;
  }
  std::string command = line;
  for (const auto& heredoc : heredocs) command += "\n" + heredoc.content + heredoc.name;
  run.argv = shell;
  run.argv.push_back(command + "\n");
  return run;
}

}  // namespace layerfs::builder
