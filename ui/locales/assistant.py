"""Texts of the normalization assistant (ui/assistant_page.py, ui/assistant_rules.py).

The rules' names, explanations and (for a kind with a parameter) card headings are here by kind
(``assist.kind_<kind>``, ``assist.explain_<kind>``, ``assist.title_<kind>``; the kind's parameters are the
placeholders): core.normalization keeps its English for REST, and the English here is the same
(tests/ui/test_i18n_models.py holds the two together).

English and Simplified Chinese side by side: the same keys and placeholders in both (tests/test_i18n.py)."""

from __future__ import annotations

EN: dict[str, str] = {
    # ----- the page (ui/assistant_page.py)
    "assist.intro": "Suggested normalized names, one card per rule, computed from the names of every provider. Tick "
    "suggestions and accept them: they become pending renames, saved together with Save.",
    "assist.select_all": "Select all",
    "assist.select_none": "Select none",
    "assist.accept": "Accept selected",
    "assist.reject": "Reject selected",
    "assist.unreject": "Show rejected again",
    "assist.none": "No suggestions: every name follows the rules.",
    "assist.count": "Suggestions {first}–{last} of {total}",
    "assist.saved_badge": "saved rule",
    "assist.models_one": "1 model",
    "assist.models": "{count} models",
    "assist.save_as_rule": "Save as rule",
    "assist.more": "and {count} more",
    "assist.names_more": "{names} and {count} more",
    "assist.working": "Working out the duplicates and aggregates…",
    "assist.select_first": "Tick the suggestions to accept first.",
    "assist.accepted_one": "1 rename pending: Save to apply it.",
    "assist.accepted": "{count} renames pending: Save to apply them.",
    "assist.pending": "Pending renames: {count}",
    "assist.save": "Save renames ({count})",
    "assist.discard": "Discard",
    "assist.saved_one": "Saved 1 rename. Next: click Sync Configuration.",
    "assist.saved": "Saved {count} renames. Next: click Sync Configuration.",
    "assist.no_duplicates": "Creates no duplicate name.",
    "assist.impact": "Creates {shared} ({within} inside one provider) and {aggregates}:",
    "assist.shared_one": "1 shared name",
    "assist.shared": "{count} shared names",
    "assist.aggregates_one": "1 aggregate",
    "assist.aggregates": "{count} aggregates",
    # ----- the kinds of rule (core/normalization.py KINDS): the select's label and the rule's explanation
    "assist.kind_strip_prefix": "Drop a vendor prefix",
    "assist.kind_strip_org": "Drop any organisation prefix",
    "assist.kind_lowercase": "Lowercase",
    "assist.kind_strip_suffix": "Drop a provider suffix",
    "assist.kind_strip_date": "Drop date stamps",
    "assist.kind_separators": "Unify separators",
    "assist.explain_strip_prefix": "Drop the vendor prefix `{prefix}`: clients call the model by its own name.",
    "assist.explain_strip_org": "Drop any organisation prefix: everything up to the last `/`.",
    "assist.explain_lowercase": "Lowercase every letter, so names that differ only in case become one.",
    "assist.explain_strip_suffix": "Drop the provider suffix `{suffix}`.",
    "assist.explain_strip_date": "Drop a trailing date stamp (`-2024-08-06`, `-20240806`, `-0613`) where the name "
    "without it exists.",
    "assist.explain_separators": "Spell names that differ only in separators (`qwen2.5`, `qwen-2.5`, `qwen_2.5`) one "
    "way: the spelling most models use, then the shortest, then the first alphabetically.",
    "assist.title_strip_prefix": "Drop a vendor prefix: {prefix}",
    "assist.title_strip_suffix": "Drop a provider suffix: {suffix}",
    "assist.param_prefix": "Prefix",
    "assist.param_suffix": "Suffix",
    # ----- saved rules (ui/assistant_rules.py)
    "assist.rules": "Saved rules",
    "assist.rule_kind": "Rule",
    "assist.save_rule": "Save rule",
    "assist.no_rules": "No saved rules. Saved rules are suggested first and name newly fetched models.",
    "assist.rule_on": "on",
    "assist.rule_saved": "Saved: {explanation}",
    "assist.rule_invalid": "{param}: 1 to {max} characters, without blanks at either end or control characters.",
    "assist.rule_exists": "This rule is already saved.",
    "assist.rule_not_understood": "Not understood, never applied: {rule}",
}

ZH: dict[str, str] = {
    # ----- 助手页面
    "assist.intro": "建议的规范化名称，每条规则一张卡片，根据所有服务商的名称计算。勾选建议并接受："
    "它们会成为待保存的重命名，点击保存时一起保存。",
    "assist.select_all": "全选",
    "assist.select_none": "全不选",
    "assist.accept": "接受所选",
    "assist.reject": "拒绝所选",
    "assist.unreject": "重新显示已拒绝的建议",
    "assist.none": "没有建议：所有名称都符合规则。",
    "assist.count": "建议：第 {first}–{last} 条，共 {total} 条",
    "assist.saved_badge": "已保存的规则",
    "assist.models_one": "1 个模型",
    "assist.models": "{count} 个模型",
    "assist.save_as_rule": "保存为规则",
    "assist.more": "另外还有 {count} 个",
    "assist.names_more": "{names} 等另外 {count} 个",
    "assist.working": "正在计算重复名称和聚合分组…",
    "assist.select_first": "请先勾选要接受的建议。",
    "assist.accepted_one": "1 项重命名待保存：点击保存以应用。",
    "assist.accepted": "{count} 项重命名待保存：点击保存以应用。",
    "assist.pending": "待保存的重命名：{count}",
    "assist.save": "保存重命名（{count}）",
    "assist.discard": "放弃",
    "assist.saved_one": "已保存 1 项重命名。下一步：点击“同步配置”。",
    "assist.saved": "已保存 {count} 项重命名。下一步：点击“同步配置”。",
    "assist.no_duplicates": "不会产生重复名称。",
    "assist.impact": "将产生 {shared}（其中 {within} 个在同一服务商内）和 {aggregates}：",
    "assist.shared_one": "1 个共用名称",
    "assist.shared": "{count} 个共用名称",
    "assist.aggregates_one": "1 个聚合分组",
    "assist.aggregates": "{count} 个聚合分组",
    # ----- 规则类型
    "assist.kind_strip_prefix": "去掉厂商前缀",
    "assist.kind_strip_org": "去掉任意组织前缀",
    "assist.kind_lowercase": "转为小写",
    "assist.kind_strip_suffix": "去掉服务商后缀",
    "assist.kind_strip_date": "去掉日期标记",
    "assist.kind_separators": "统一分隔符",
    "assist.explain_strip_prefix": "去掉厂商前缀 `{prefix}`：客户端直接用模型自己的名称调用它。",
    "assist.explain_strip_org": "去掉任意组织前缀：即最后一个 `/` 及其之前的所有内容。",
    "assist.explain_lowercase": "将所有字母转为小写，使仅大小写不同的名称合而为一。",
    "assist.explain_strip_suffix": "去掉服务商后缀 `{suffix}`。",
    "assist.explain_strip_date": "去掉末尾的日期标记（`-2024-08-06`、`-20240806`、`-0613`），"
    "前提是去掉后的名称已存在。",
    "assist.explain_separators": "仅分隔符不同的名称（`qwen2.5`、`qwen-2.5`、`qwen_2.5`）统一为一种写法："
    "优先取使用它的模型最多的写法，其次取最短的，再其次按字母顺序取第一个。",
    "assist.title_strip_prefix": "去掉厂商前缀：{prefix}",
    "assist.title_strip_suffix": "去掉服务商后缀：{suffix}",
    "assist.param_prefix": "前缀",
    "assist.param_suffix": "后缀",
    # ----- 已保存的规则
    "assist.rules": "已保存的规则",
    "assist.rule_kind": "规则",
    "assist.save_rule": "保存规则",
    "assist.no_rules": "没有已保存的规则。已保存的规则会优先建议，并用于命名新获取的模型。",
    "assist.rule_on": "启用",
    "assist.rule_saved": "已保存：{explanation}",
    "assist.rule_invalid": "{param}：1 到 {max} 个字符，两端不能有空格，也不能包含控制字符。",
    "assist.rule_exists": "此规则已保存。",
    "assist.rule_not_understood": "无法识别，从未应用：{rule}",
}
