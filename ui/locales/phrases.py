"""Core's sentences (core/phrases.py) as the pages say them (``ui.messages.said``): the phrase of code ``c`` is the
key ``said.c``, its English core's own table (built here, once: so REST, the records and the English page say the
same), its Chinese below. One key scheme for every area of core's phrases: providers, plans and syncs; the import
and the backup.

English and Simplified Chinese side by side: the same keys and placeholders in both (tests/test_i18n.py)."""

from __future__ import annotations

from core.phrases import ENGLISH

PREFIX = "said."  # ``said.<code>``: ui.messages.said looks a phrase up by it
EN: dict[str, str] = {f"{PREFIX}{code}": text for code, text in ENGLISH.items()}

ZH: dict[str, str] = {
    # ----- 服务商、计划与同步（core/phrases.py 的 GENERAL）
    "said.connect_gptload": "连接方法：将 GPTLOAD_URL 设为 GPT-Load 的地址，将 GPTLOAD_AUTH_KEY 设为它的 AUTH_KEY"
    "（写入 .env，然后重启管理器）；或者按 README 中的 compose 快速开始，同时启动管理器、GPT-Load 和 uni-api"
    "（python3 -m core.envfile --compose，然后 docker compose up -d --build）。",
    "said.gptload_not_configured": "位于 {url} 的 GPT-Load 未配置：GPTLOAD_AUTH_KEY 为空。",
    "said.unsafe_empty_registry": "注册表为空，但 GPT-Load 中有本管理器的 {managed} 个分组（数据库丢失或是新实例？）："
    "此计划会把它们全部删除。请改为从备份恢复注册表，或强制执行。",
    "said.unsafe_removals": "此计划会删除或替换本管理器在 GPT-Load 中拥有的 {managed} 个分组中的 {removals} 个。",
    "said.foreign_group": "GPT-Load 中已有同名分组，且它不由本管理器管理；请在 GPT-Load 中重命名或删除它，"
    "或在这里重命名服务商或模型",
    "said.last_test_failed": "上次测试失败：{error}",
    "said.last_test_failed_silently": "上次测试失败：没有详细信息",
    "said.invalid_keys": "GPT-Load 将它的 {count} 个密钥标记为无效。",
    "said.uniapi_read_long_ago": "api.yaml 写入已久，uni-api 应已重新读取它",
    "said.uniapi_waited_unwatched": "等待了 {seconds} 秒，让 uni-api 重新读取 api.yaml（未设置 UNIAPI_URL）",
    "said.uniapi_serves_new": "uni-api 已按新的 api.yaml 提供服务",
    "said.uniapi_waited_key_refused": "等待了 {seconds} 秒（uni-api 拒绝了管理器的管理员密钥）",
    "said.listing_empty": "{url} 未列出任何模型。请手动添加模型，或检查基础 URL 和渠道类型。",
    "said.listing_skipped": "跳过了 {count} 个注册表无法保存的模型名称：{names}。",
    "said.listing_skipped_more": "跳过了 {count} 个注册表无法保存的模型名称：{names}；另外还有 {more} 个。",
    "said.saved_unchecked": "保存时未检查：在你测试它或获取其模型之前，其密钥和模型均未经测试。",
    # ----- 导入与备份（core/phrases.py 的 IMPORT）
    # 提议的服务商来自哪里
    "said.source_group": "分组 {name}",
    "said.source_group_upstream": "分组 {name} ({url})",
    "said.source_entry": "api.yaml 条目 {name}",
    "said.source_backup": "备份 {name}",
    # 分组或 api.yaml 条目为何无法导入
    "said.unknown_channel": "管理器不支持渠道类型 {channel}",
    "said.no_enabled_upstream": "它没有启用的上游",
    "said.no_keys": "它没有密钥",
    "said.not_a_mapping": "它不是一个映射",
    "said.no_provider_name": "它没有服务商名称",
    "said.provider_name_taken": "前面的条目已使用相同的服务商名称",
    "said.gptload_not_a_source": "它指向 GPT-Load 分组 {group}，但 GPT-Load 不是本次导入的来源",
    "said.no_such_group": "它指向 GPT-Load 分组 {group}，但 GPT-Load 中没有该分组",
    "said.no_api_key": "它没有 API 密钥",
    "said.no_base_url": "它没有以 http:// 或 https:// 开头的基础 URL",
    "said.engine_of_odd_shape": "管理器不支持这种形式的引擎",
    "said.unknown_engine": "管理器不支持引擎 {engine}",
    "said.foreign_engine": "uni-api 将它识别为引擎 {engine}，管理器不支持该接口格式",
    "said.group_unmappable": "分组 {name} 无法导入：{reason}。",
    "said.entry_unmappable": "条目 {name} 无法导入：{reason}。",
    # 导入会如何处理分组或条目
    "said.in_registry": "已在本注册表中；无需导入",
    "said.own_entry": "管理器自己的条目；无需导入",
    "said.cannot_map": "无法映射：{reason}",
    "said.group_strict": "来自 {upstreams} 个上游的服务商，{keys} 个密钥，{rules} 条严格重定向规则",
    "said.group_loose": "来自 {upstreams} 个上游的服务商，{keys} 个密钥，{rules} 条非严格重定向规则",
    "said.aggregate_of": "包含 {count} 个成员的聚合分组：{members}",
    "said.aggregate_of_none": "包含 {count} 个成员的聚合分组：无",
    "said.entry_routes": "通过 GPT-Load 分组 {group} 路由 {count} 个名称",
    "said.entry_direct": "直连服务商，{keys} 个密钥，{models} 个模型",
    # 冲突的内容
    "said.provider_exists": "{sources}：与已注册服务商 {name} 的上游相同。合并会添加 {keys} 个密钥以及它缺少的模型。",
    "said.keys_differ": "{sources} 以 {count} 组不同的密钥访问同一个上游。",
    "said.two_names": "服务商 {provider}：客户端以 {names} 访问 {original}；注册表中每个模型只保留一个名称，"
    "其他名称将不再路由。",
    "said.name_clash": "服务商 {provider}：{originals} 都响应名称 {name}；拆分会在下次同步时把它们各自放入"
    "自己的分组，并置于同一个聚合分组之后。",
    # 预览的警告
    "said.models_not_fetched": "{source}：未能获取模型（{detail}）",
    # 预览或应用为何被拒绝
    "said.no_source": "请选择来源：GPT-Load、api.yaml（路径或文本）或备份文件。",
    "said.sources_and_checksum": "请发送来源或某次预览的校验和，不要同时发送两者。",
    "said.path_or_text": "请以 {path} 或 {text} 的形式提供 api.yaml。",
    "said.only_configured_file": "只会从磁盘读取已配置的 api.yaml（{path}）；其他文件请以文本形式上传。",
    "said.no_file": "{path} 不存在。",
    "said.yaml_unreadable": "无法读取 api.yaml：{problem}",
    "said.no_preview": "没有与此校验和对应的预览（已过期或从未生成）；请重新预览。",
    "said.registry_changed": "自此次预览以来，注册表已发生变化；请重新预览。",
    "said.groups_changed": "自此次预览以来，GPT-Load 的分组已发生变化；请重新预览。",
    "said.file_changed": "自此次预览以来，api.yaml 已发生变化；请重新预览。",
    "said.sync_running": "正在同步；请在同步结束后再导入。",
    "said.no_such_provider": "此预览中没有名为 {name} 的新服务商。",
    "said.no_such_conflict": "此预览中没有冲突 {conflict}。",
    "said.option_not_offered": "冲突 {conflict} 提供的选项为 {options}；收到的是 {option}。",
    "said.no_such_finding": "此预览中没有名为 {name} 的分组或条目。",
    "said.not_adoptable": "{name} 无法接管：它已由管理器管理，或者没有导入的内容与它对应。",
    "said.entry_stuck": "{name} 同时也是一个无法接管的条目的名称；请两者都不管。",
    "said.group_stuck": "{name} 同时也是一个无法接管的分组的名称；请两者都不管。",
    "said.adopt_entry_too": "条目 {entry} 经由分组 {group} 路由，而下一次同步会重组该分组："
    "请同时接管 {entry}，或者不管 {group}。",
    "said.adopt_aggregate_too": "分组 {member} 是聚合分组 {group} 的成员，而 {group} 仍归你管理："
    "请同时接管 {group}，或者不管 {member}。",
    # 备份为何无法创建或打开
    "said.passphrase_too_short": "备份的密码短语至少需要 {count} 个字符。",
    "said.not_base64": "备份必须以 base64 格式发送。",
    "said.not_a_backup": "这不是 LLM Provider Manager 的备份，或者文件不完整。",
    "said.bundle_format": "不支持备份格式 {version}（此版本读取格式 {supported}）。",
    "said.key_derivation_out_of_range": "备份的密钥派生参数超出范围。",
    "said.wrong_passphrase": "无法打开该备份：密码短语错误，或文件已被修改。",
    "said.not_our_content": "备份已打开，但其内容不是本工具的备份。",
    "said.payload_version": "备份的格式版本为 {version}；此版本读取版本 {supported}。",
}
