<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../../faceapp/ui/about.py" line="17"/>
        <source>About faceapp</source>
        <translation>关于 faceapp</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/about.py" line="35"/>
        <source>Face-recognition attendance and door access, version %1. Runs offline.</source>
        <translation>人脸识别考勤与门禁，版本 %1。离线运行。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/about.py" line="37"/>
        <source>Execution provider: %1</source>
        <translation>执行提供程序：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/about.py" line="37"/>
        <source>not loaded yet</source>
        <translation>尚未加载</translation>
    </message>
</context>
<context>
    <name>AccessGroupsPage</name>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="68"/>
        <source>Group</source>
        <translation>组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="68"/>
        <location filename="../../faceapp/ui/access_groups_page.py" line="114"/>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="68"/>
        <source>Holidays</source>
        <translation>节假日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="76"/>
        <source>New group…</source>
        <translation>新建组…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="77"/>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="78"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="91"/>
        <source>Weekly schedule</source>
        <translation>每周时间表</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="93"/>
        <source>Closed on public holidays (the list on Schedules &gt; Holidays)</source>
        <translation>公共节假日关闭（见“排班 &gt; 节假日”中的列表）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="95"/>
        <source>Copy Monday to Tuesday-Friday</source>
        <translation>将周一复制到周二至周五</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="96"/>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="97"/>
        <source>Save schedule</source>
        <translation>保存时间表</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="117"/>
        <source>Add people…</source>
        <translation>添加人员…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="118"/>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="166"/>
        <source>closed</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="166"/>
        <source>open</source>
        <translation>开放</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="181"/>
        <source>No access groups yet: nobody is let in until a group is created and people are added to it.</source>
        <translation>尚无门禁组：在创建组并添加人员之前，任何人都无法通行。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="194"/>
        <source>Unsaved schedule</source>
        <translation>未保存的时间表</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="195"/>
        <source>The schedule of %1 has changes that are not saved. Discard them?</source>
        <translation>%1 的时间表有未保存的更改。要放弃这些更改吗？</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="206"/>
        <source>Weekly schedule of %1</source>
        <translation>%1 的每周时间表</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="207"/>
        <source>Members of %1</source>
        <translation>%1 的成员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="221"/>
        <source>inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="260"/>
        <source>Group %1 created: set its schedule and add people.</source>
        <translation>已创建组 %1：请设置时间表并添加人员。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="278"/>
        <source>New access group</source>
        <translation>新建门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="278"/>
        <source>Name of the group:</source>
        <translation>组名称：</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="287"/>
        <source>Group renamed to %1.</source>
        <translation>组已重命名为 %1。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="292"/>
        <source>Rename access group</source>
        <translation>重命名门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="292"/>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="301"/>
        <source>Group %1 deleted.</source>
        <translation>组 %1 已删除。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="307"/>
        <source>Delete access group</source>
        <translation>删除门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="308"/>
        <source>Delete the group %1? Its %2 member(s) lose the door access it gave.</source>
        <translation>删除组 %1？其 %2 名成员将失去该组授予的门禁权限。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="324"/>
        <source>Schedule saved.</source>
        <translation>时间表已保存。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="331"/>
        <source>Members saved.</source>
        <translation>成员已保存。</translation>
    </message>
</context>
<context>
    <name>AccessLogPage</name>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="42"/>
        <source>All results</source>
        <translation>全部结果</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="42"/>
        <source>Granted</source>
        <translation>已放行</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="42"/>
        <source>Denied</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="45"/>
        <source>All reasons</source>
        <translation>全部原因</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="49"/>
        <source>Everyone</source>
        <translation>所有人</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="50"/>
        <source>Unknown faces</source>
        <translation>未识别人脸</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="51"/>
        <source>Open door now…</source>
        <translation>立即开门…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="54"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="54"/>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="60"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="60"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="60"/>
        <source>Number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="61"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="61"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="61"/>
        <source>Door</source>
        <translation>门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="62"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="108"/>
        <source>The From date is after the To date.</source>
        <translation>开始日期晚于结束日期。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="137"/>
        <source>unknown face</source>
        <translation>未识别人脸</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="139"/>
        <source>granted</source>
        <translation>放行</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="139"/>
        <source>denied</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="149"/>
        <source>%1 attempts: %2 granted, %3 denied</source>
        <translation>共 %1 次通行尝试：放行 %2 次，拒绝 %3 次</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_log_page.py" line="152"/>
        <source>only the newest %1 shown; narrow the dates</source>
        <translation>仅显示最新的 %1 条；请缩小日期范围</translation>
    </message>
</context>
<context>
    <name>Advice</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="36"/>
        <source>no face found - look at the camera</source>
        <translation>未检测到人脸 - 请看向摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="37"/>
        <source>move closer</source>
        <translation>请靠近一些</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="38"/>
        <source>too dark - turn towards the light</source>
        <translation>太暗 - 请面向光源</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="39"/>
        <source>too bright - step out of direct light</source>
        <translation>太亮 - 请避开直射光</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="40"/>
        <source>hold still (image is blurred)</source>
        <translation>请保持不动（图像模糊）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="41"/>
        <source>turn slightly left to face the camera</source>
        <translation>请稍向左转，正对摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="42"/>
        <source>turn slightly right to face the camera</source>
        <translation>请稍向右转，正对摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="43"/>
        <source>keep your head upright</source>
        <translation>请保持头部端正</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="45"/>
        <source>no face found in the photo - use a photo where the face is clearly visible</source>
        <translation>照片中未找到人脸 - 请使用人脸清晰可见的照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="46"/>
        <source>face too small - use a photo where the face is larger</source>
        <translation>人脸太小 - 请使用人脸更大的照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="47"/>
        <source>too dark - use a brighter photo</source>
        <translation>太暗 - 请使用更明亮的照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="48"/>
        <source>too bright - use a photo that is not overexposed</source>
        <translation>太亮 - 请使用未过曝的照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="49"/>
        <source>blurred - use a sharp photo</source>
        <translation>模糊 - 请使用清晰的照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="50"/>
        <source>face turned to the side - use a photo where the face looks straight at the camera</source>
        <translation>人脸侧转 - 请使用正面朝向镜头的照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="51"/>
        <source>head tilted - use a photo where the head is upright</source>
        <translation>头部倾斜 - 请使用头部端正的照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="58"/>
        <source>%1 faces in view - only the person enrolling please</source>
        <translation>画面中有 %1 张人脸 - 请只让登记人出现</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="61"/>
        <source>%1 faces in the photo - use a photo of the person alone</source>
        <translation>照片中有 %1 张人脸 - 请使用只有本人的照片</translation>
    </message>
</context>
<context>
    <name>AssignmentDialog</name>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="280"/>
        <source>Assign shift</source>
        <translation>分配班次</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="283"/>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="284"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="292"/>
        <source>Until</source>
        <translation>截止</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="294"/>
        <source>Temporary schedule (beats every other one in its dates)</source>
        <translation>临时排班（在其日期内优先于其他排班）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="296"/>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="299"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="317"/>
        <source>Add a shift first.</source>
        <translation>请先添加班次。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="321"/>
        <source>Choose an employee or a department.</source>
        <translation>请选择员工或部门。</translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="41"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="52"/>
        <location filename="../../faceapp/ui/audit_page.py" line="114"/>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="55"/>
        <source>number or name</source>
        <translation>工号或姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="58"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="64"/>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="69"/>
        <location filename="../../faceapp/ui/audit_page.py" line="74"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="69"/>
        <location filename="../../faceapp/ui/audit_page.py" line="75"/>
        <source>Person</source>
        <translation>人员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="70"/>
        <location filename="../../faceapp/ui/audit_page.py" line="74"/>
        <source>Admin</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="74"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="75"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message numerus="yes">
        <location filename="../../faceapp/ui/audit_page.py" line="147"/>
        <source>%n entries</source>
        <translation>
            <numerusform>%n 条记录</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="162"/>
        <location filename="../../faceapp/ui/audit_page.py" line="175"/>
        <source>Export audit log</source>
        <translation>导出审计日志</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="163"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/audit_page.py" line="171"/>
        <source>Exported %1 rows to %2</source>
        <translation>已导出 %1 行到 %2</translation>
    </message>
</context>
<context>
    <name>BackupStatus</name>
    <message>
        <location filename="../../faceapp/ui/backup_status.py" line="49"/>
        <source>Backing up…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/backup_status.py" line="69"/>
        <source>Backup failed - see the log</source>
        <translation>备份失败 - 请查看日志</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/backup_status.py" line="73"/>
        <source>Backups in %1</source>
        <translation>备份位于 %1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/backup_status.py" line="75"/>
        <source>No backup yet</source>
        <translation>尚无备份</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/backup_status.py" line="79"/>
        <source>Last backup %1, %2 kept</source>
        <translation>上次备份 %1，保留 %2 份</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/backup_status.py" line="81"/>
        <source>(automatic backups off)</source>
        <translation>（自动备份已关闭）</translation>
    </message>
</context>
<context>
    <name>CapturePage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="142"/>
        <source>Face samples</source>
        <translation>人脸样本</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="143"/>
        <source>Look at the camera; samples are taken automatically when the quality is good. Or enrol from photos.</source>
        <translation>请看向摄像头；画面质量合格时会自动采集样本。也可以从照片登记。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="153"/>
        <source>Capture from camera</source>
        <translation>从摄像头采集</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="155"/>
        <source>Enrol from photos…</source>
        <translation>从照片登记…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="186"/>
        <source>Samples: %1 (at least %2 needed, %3 recommended)</source>
        <translation>样本：%1（至少需要 %2 个，建议 %3 个）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="221"/>
        <source>Look at the camera…</source>
        <translation>请看向摄像头…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="233"/>
        <source>No picture</source>
        <translation>无画面</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="234"/>
        <source>The camera or video is not available - enrol from photos, or check the camera in Settings</source>
        <translation>摄像头或视频不可用 - 请用照片登记，或在设置中检查摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="240"/>
        <source>No picture from the camera yet - it may be disconnected. Enrol from photos, or check the camera in Settings</source>
        <translation>摄像头仍无画面 - 可能已断开。请用照片登记，或在设置中检查摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="253"/>
        <source>Good - hold still</source>
        <translation>很好 - 请保持不动</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="256"/>
        <source>Done - %1 samples taken</source>
        <translation>完成 - 已采集 %1 个样本</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="262"/>
        <source>Photos of the employee</source>
        <translation>员工照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="263"/>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.bmp *.webp)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../faceapp/ui/wizard.py" line="270"/>
        <source>Checking %n photo(s)…</source>
        <translation>
            <numerusform>正在检查 %n 张照片…</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="285"/>
        <source>✔ %1: usable</source>
        <translation>✔ %1：可用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="287"/>
        <source>✘ %1: %2</source>
        <translation>✘ %1：%2</translation>
    </message>
</context>
<context>
    <name>ConsentPage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="31"/>
        <source>I agree that my face is photographed and stored as a biometric template by my employer to record my attendance and open the door. I can ask for it to be deleted at any time.</source>
        <translation>我同意雇主拍摄我的面部并将其作为生物特征模板保存，用于记录考勤和开门。我可以随时要求删除。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="122"/>
        <source>Consent</source>
        <translation>同意书</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="126"/>
        <source>The employee has read this and consents</source>
        <translation>员工已阅读并同意</translation>
    </message>
</context>
<context>
    <name>CorrectionDialog</name>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="32"/>
        <source>Void punch</source>
        <translation>作废打卡</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="32"/>
        <source>Restore punch</source>
        <translation>恢复打卡</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="33"/>
        <source>Add missing punch</source>
        <translation>补打卡</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="48"/>
        <source>Automatic (first of the day: in)</source>
        <translation>自动（当天第一次为签到）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="49"/>
        <source>in</source>
        <translation>签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="50"/>
        <source>out</source>
        <translation>签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="51"/>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="52"/>
        <source>Date and time</source>
        <translation>日期和时间</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="53"/>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="55"/>
        <source>Required, e.g. forgot to check out</source>
        <translation>必填，例如：忘记签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/correction_dialog.py" line="56"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>DatabaseAlert</name>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="41"/>
        <source>Save a copy…</source>
        <translation>保存副本…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="79"/>
        <source>Attendance is NOT being saved - please call the administrator.</source>
        <translation>考勤记录未被保存 - 请联系管理员。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="81"/>
        <source>A copy of the database was saved to %1. Quit faceapp now and start it again with that file.</source>
        <translation>数据库副本已保存到 %1。请立即退出 faceapp，并用该文件重新启动。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="84"/>
        <source>The database file %1 was deleted while faceapp is running. What is recorded now is lost when faceapp closes: save a copy, then restart faceapp with it.</source>
        <translation>faceapp 运行期间数据库文件 %1 被删除。现在记录的内容会在 faceapp 关闭时丢失：请保存副本，然后用它重新启动 faceapp。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="86"/>
        <source>The database file %1 was replaced by another file while faceapp is running. faceapp still writes to the old one, which is lost when it closes: save a copy, then restart faceapp.</source>
        <translation>faceapp 运行期间数据库文件 %1 被另一个文件替换。faceapp 仍在写入旧文件，关闭时将丢失：请保存副本，然后重新启动 faceapp。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="89"/>
        <source>Part of the database (%1-wal) was deleted by another program while faceapp is running. Changes since are lost when faceapp closes: save a copy, then restart faceapp with it.</source>
        <translation>faceapp 运行期间，数据库的一部分（%1-wal）被其他程序删除。此后的更改会在 faceapp 关闭时丢失：请保存副本，然后用它重新启动 faceapp。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="92"/>
        <source>Part of the database (%1-wal) was deleted and made again by another program while faceapp is running. Changes since are lost when faceapp closes: save a copy, then restart faceapp with it.</source>
        <translation>faceapp 运行期间，数据库的一部分（%1-wal）被其他程序删除后又重新创建。此后的更改会在 faceapp 关闭时丢失：请保存副本，然后用它重新启动 faceapp。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="109"/>
        <source>Save a copy of the database</source>
        <translation>保存数据库副本</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="110"/>
        <source>Databases (*.db)</source>
        <translation>数据库 (*.db)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="123"/>
        <location filename="../../faceapp/ui/database_alert.py" line="130"/>
        <source>Database</source>
        <translation>数据库</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/database_alert.py" line="124"/>
        <source>A copy of the open database was saved to %1.

Quit faceapp now and start it again with this file (put it in place of %2, or start with --db).</source>
        <translation>已将打开的数据库副本保存到 %1。

请立即退出 faceapp，并用此文件重新启动（将其放到 %2 的位置，或使用 --db 启动）。</translation>
    </message>
</context>
<context>
    <name>DetailsPage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="73"/>
        <source>Employee details</source>
        <translation>员工信息</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="76"/>
        <source>Employee number *</source>
        <translation>工号 *</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="77"/>
        <source>Full name *</source>
        <translation>姓名 *</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="78"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="97"/>
        <source>Checking the employee number…</source>
        <translation>正在检查员工编号…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="104"/>
        <location filename="../../faceapp/ui/wizard.py" line="105"/>
        <source>Employee number %1 is already used by %2. Choose another number, or re-enrol that employee from the Employees page.</source>
        <translation>工号 %1 已被 %2 使用。请选择其他工号，或在“员工”页面为该员工重新登记。</translation>
    </message>
</context>
<context>
    <name>Door</name>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="26"/>
        <source>granted</source>
        <translation>放行</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="26"/>
        <source>not recognised</source>
        <translation>未识别</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="27"/>
        <source>deactivated</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="27"/>
        <source>liveness failed</source>
        <translation>活体检测未通过</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="28"/>
        <source>no access group</source>
        <translation>无门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="29"/>
        <source>outside schedule</source>
        <translation>不在时间表内</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="30"/>
        <source>closed for holiday</source>
        <translation>节假日关闭</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="31"/>
        <source>system error</source>
        <translation>系统错误</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="37"/>
        <source>failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="38"/>
        <source>opened</source>
        <translation>已开门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="38"/>
        <source>no door</source>
        <translation>无门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="39"/>
        <source>pending</source>
        <translation>等待中</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="39"/>
        <source>no answer</source>
        <translation>无应答</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="43"/>
        <source>None (attendance only)</source>
        <translation>无（仅考勤）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="44"/>
        <source>Simulated (no door, for testing)</source>
        <translation>模拟（无门，用于测试）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="45"/>
        <source>USB relay board</source>
        <translation>USB 继电器板</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="46"/>
        <source>Network relay (Shelly, Tasmota)</source>
        <translation>网络继电器（Shelly、Tasmota）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="51"/>
        <source>No door relay is configured. Choose one in File &gt; Settings &gt; Door.</source>
        <translation>未配置门继电器。请在“文件 &gt; 设置 &gt; 门”中选择。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="52"/>
        <source>The door relay (%1) could not be started; see the log.</source>
        <translation>门继电器（%1）无法启动；请查看日志。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="58"/>
        <source>The door relay switched: the door is open.</source>
        <translation>门继电器已动作：门已打开。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="60"/>
        <source>The door relay did not answer in time.</source>
        <translation>门继电器未及时应答。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="61"/>
        <source>The door relay refused: %1</source>
        <translation>门继电器拒绝执行：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="68"/>
        <location filename="../../faceapp/ui/door_widgets.py" line="158"/>
        <source>Open door now</source>
        <translation>立即开门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="70"/>
        <source>Set an admin PIN in Settings first.</source>
        <translation>请先在设置中设置管理员 PIN。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="72"/>
        <source>Unlock the door for %1 s.</source>
        <translation>门将解锁 %1 秒。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="76"/>
        <source>Locked for %1 s</source>
        <translation>已锁定 %1 秒</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="82"/>
        <source>Wrong PIN</source>
        <translation>PIN 错误</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="107"/>
        <source>Relay status</source>
        <translation>继电器状态</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="116"/>
        <location filename="../../faceapp/ui/door_widgets.py" line="159"/>
        <source>Test relay</source>
        <translation>测试继电器</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="119"/>
        <source>Tests the saved settings: press OK first to test changed ones.</source>
        <translation>测试的是已保存的设置：如有修改，请先按“确定”再测试。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="123"/>
        <source>Relay</source>
        <translation>继电器</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="124"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="125"/>
        <source>Last command</source>
        <translation>最近命令</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="126"/>
        <source>Last grant</source>
        <translation>最近放行</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="144"/>
        <source>No relay configured: the app records attendance only.</source>
        <translation>未配置继电器：本程序仅记录考勤。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="146"/>
        <source>Not working: the relay could not be started; see the log.</source>
        <translation>不可用：继电器无法启动；请查看日志。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="148"/>
        <source>Unlocked</source>
        <translation>已开锁</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="148"/>
        <source>Locked</source>
        <translation>已上锁</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="150"/>
        <source>%1 errors, the last: %2</source>
        <translation>%1 次错误，最近一次：%2</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="155"/>
        <location filename="../../faceapp/ui/door_widgets.py" line="162"/>
        <source>none yet</source>
        <translation>暂无</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="169"/>
        <source>Testing…</source>
        <translation>测试中…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="174"/>
        <source>The relay switched: it works.</source>
        <translation>继电器已动作：工作正常。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/door_widgets.py" line="212"/>
        <source>No access groups yet (see the Access groups page)</source>
        <translation>尚无门禁组（见“门禁组”页面）</translation>
    </message>
</context>
<context>
    <name>EditDialog</name>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="42"/>
        <source>Edit employee</source>
        <translation>编辑员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="47"/>
        <source>Employee number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="48"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="49"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="53"/>
        <source>Access groups</source>
        <translation>门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="86"/>
        <source>Number and name are required.</source>
        <translation>工号和姓名为必填项。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="94"/>
        <source>Checking the employee number…</source>
        <translation>正在检查员工编号…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="110"/>
        <source>Change employee number</source>
        <translation>更改工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="111"/>
        <source>Change the employee number of %1 from %2 to %3? Their attendance history stays with them and will be shown and exported with the new number.</source>
        <translation>将 %1 的工号从 %2 改为 %3？其考勤记录仍属于此人，并将以新工号显示和导出。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="119"/>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
</context>
<context>
    <name>EmployeesPage</name>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="181"/>
        <source>Search by name, number or department</source>
        <translation>按姓名、工号或部门搜索</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="163"/>
        <source>Number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="163"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="164"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="164"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="208"/>
        <source>Enrol new…</source>
        <translation>新登记…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="210"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="209"/>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="165"/>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="165"/>
        <source>Enrolled on</source>
        <translation>登记日期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="166"/>
        <source>Access groups</source>
        <translation>门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="168"/>
        <source>Current employees</source>
        <translation>当前员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="169"/>
        <source>Active</source>
        <translation>在职</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="170"/>
        <source>Inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="171"/>
        <source>Erased</source>
        <translation>已抹除</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="172"/>
        <source>Everyone</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="186"/>
        <source>Erased people (right to erasure) are shown only under Erased or Everyone.</source>
        <translation>已抹除的人员（被遗忘权）只在“已抹除”或“全部”下显示。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="190"/>
        <location filename="../../faceapp/ui/employees.py" line="254"/>
        <source>All access groups</source>
        <translation>所有门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="211"/>
        <location filename="../../faceapp/ui/employees.py" line="361"/>
        <source>Activate / deactivate</source>
        <translation>启用 / 停用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="212"/>
        <source>Re-enrol face…</source>
        <translation>重新登记人脸…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="213"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="214"/>
        <source>Removes the person from the list with their face data; their attendance rows stay but no longer belong to anyone. For someone who was entered by mistake.</source>
        <translation>将此人连同人脸数据从列表中移除；其考勤记录保留，但不再属于任何人。用于误录入的人员。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="216"/>
        <source>Erase…</source>
        <translation>抹除…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="217"/>
        <source>Right to erasure: face data, name, number, department and consent are deleted; attendance and door history stay with an anonymous code, so totals still add up. For someone who left and asked to be forgotten.</source>
        <translation>被遗忘权：删除人脸数据、姓名、工号、部门和同意记录；考勤和门禁历史以匿名代码保留，因此合计仍然一致。用于已离职并要求被遗忘的人员。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="220"/>
        <source>Rebuild templates…</source>
        <translation>重建模板…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="233"/>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="286"/>
        <source>active</source>
        <translation>在职</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="286"/>
        <source>inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="286"/>
        <source>erased</source>
        <translation>已抹除</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="320"/>
        <source>No photo (enrolled before photos were kept)</source>
        <translation>无照片（在保存照片之前登记）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="373"/>
        <location filename="../../faceapp/ui/employees.py" line="378"/>
        <source>Delete employee</source>
        <translation>删除员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="374"/>
        <source>Delete %1 (no. %2)? Their face templates are erased; attendance history is kept without the name. This cannot be undone.</source>
        <translation>删除 %1（工号 %2）？其人脸模板将被清除；考勤历史将保留但不含姓名。此操作无法撤销。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="376"/>
        <source>To keep the attendance totals of a person who left, use Erase instead.</source>
        <translation>如需保留离职人员的考勤合计，请改用“抹除”。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="387"/>
        <location filename="../../faceapp/ui/employees.py" line="394"/>
        <source>Erase employee</source>
        <translation>抹除员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="388"/>
        <source>Erase %1 (no. %2)? Their face data, name, number, department and consent are deleted and replaced by an anonymous code; their attendance and door history stay under that code, so totals still add up. This cannot be undone.</source>
        <translation>抹除 %1（工号 %2）？其人脸数据、姓名、工号、部门和同意记录将被删除并替换为匿名代码；考勤和门禁历史以该代码保留，因此合计仍然一致。此操作无法撤销。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="392"/>
        <source>Delete instead removes the person from the list altogether.</source>
        <translation>而“删除”会将此人从列表中完全移除。</translation>
    </message>
</context>
<context>
    <name>EnrolWizard</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="431"/>
        <source>Enrol employee</source>
        <translation>登记员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="432"/>
        <source>Re-enrol %1</source>
        <translation>重新登记 %1</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="21"/>
        <source>The database is busy: another program or faceapp window is writing to it. Nothing was saved; try again in a moment.</source>
        <translation>数据库正忙：另一个程序或 faceapp 窗口正在写入。未保存任何内容；请稍后重试。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="23"/>
        <source>The disk holding the database is full. Nothing was saved.</source>
        <translation>存放数据库的磁盘已满。未保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="24"/>
        <source>The database file is damaged or is not a faceapp database.</source>
        <translation>数据库文件已损坏，或不是 faceapp 数据库。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="25"/>
        <source>The database was written by a newer version of faceapp.</source>
        <translation>该数据库由更新版本的 faceapp 写入。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="26"/>
        <source>The database used before is missing.</source>
        <translation>之前使用的数据库不见了。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="27"/>
        <source>That file is the attendance database itself; choose another file.</source>
        <translation>该文件就是考勤数据库本身；请选择其他文件。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="29"/>
        <source>This employee number is already in use.</source>
        <translation>该工号已被使用。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="30"/>
        <source>This employee no longer exists.</source>
        <translation>该员工已不存在。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="31"/>
        <source>A stored face template is damaged; re-enrol the employee.</source>
        <translation>已存储的人脸模板已损坏；请重新登记该员工。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="33"/>
        <source>The site server cannot be reached.</source>
        <translation>无法连接站点服务器。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="34"/>
        <source>The site server refused this login or this change.</source>
        <translation>站点服务器拒绝了此登录或此更改。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="35"/>
        <source>The site server could not do what was asked.</source>
        <translation>站点服务器无法完成所请求的操作。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="36"/>
        <source>The database could not be read or written.</source>
        <translation>无法读取或写入数据库。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="37"/>
        <source>The video file does not exist.</source>
        <translation>视频文件不存在。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="38"/>
        <source>The camera or video could not be opened.</source>
        <translation>无法打开摄像头或视频。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="39"/>
        <source>The export file could not be written; nothing was left behind.</source>
        <translation>无法写入导出文件；未留下任何文件。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="40"/>
        <source>The first day is after the last day.</source>
        <translation>开始日期晚于结束日期。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="41"/>
        <source>The face models cannot be used.</source>
        <translation>人脸模型无法使用。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="42"/>
        <source>The chosen processor for face recognition is not available.</source>
        <translation>所选的人脸识别处理器不可用。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="43"/>
        <source>The image could not be read.</source>
        <translation>无法读取图像。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="44"/>
        <source>The enrolment was refused.</source>
        <translation>登记被拒绝。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="45"/>
        <source>The door relay did not answer as expected.</source>
        <translation>门禁继电器未按预期响应。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="46"/>
        <source>This value is not accepted.</source>
        <translation>该值不被接受。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="47"/>
        <source>This PIN is not accepted.</source>
        <translation>该 PIN 不被接受。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="48"/>
        <source>This time-keeping rule or correction cannot be saved as given.</source>
        <translation>此考勤规则或更正无法按所填内容保存。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="50"/>
        <source>The report period runs backwards or is longer than a year.</source>
        <translation>报表期间的开始晚于结束，或超过一年。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="51"/>
        <source>No employee matches the chosen filter.</source>
        <translation>没有员工符合所选条件。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="77"/>
        <source>Sign in as the site admin to change the site&apos;s people, access groups, schedules or site-wide settings on a site kiosk (File &gt; Sign in as site admin…). Nothing was changed.</source>
        <translation>请以站点管理员身份登录后再在站点终端上更改站点的人员、门禁组、排班或站点级设置（文件 &gt; 以站点管理员身份登录…）。未做任何更改。</translation>
    </message>
</context>
<context>
    <name>FirstRunChecklist</name>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="59"/>
        <source>Getting started</source>
        <translation>入门步骤</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="61"/>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="68"/>
        <source>Set the camera</source>
        <translation>设置摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="68"/>
        <source>Choose camera…</source>
        <translation>选择摄像头…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="69"/>
        <source>Set the admin PIN</source>
        <translation>设置管理员 PIN</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="69"/>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="70"/>
        <source>Enrol the first person</source>
        <translation>录入第一位人员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/first_run.py" line="70"/>
        <source>Enrol…</source>
        <translation>录入…</translation>
    </message>
</context>
<context>
    <name>HolidayDialog</name>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="329"/>
        <source>Add public holiday</source>
        <translation>添加公共假日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="333"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="334"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="339"/>
        <source>A holiday needs a name.</source>
        <translation>假日需要名称。</translation>
    </message>
</context>
<context>
    <name>IdleScreen</name>
    <message>
        <location filename="../../faceapp/ui/idle.py" line="30"/>
        <source>Look at the camera to check in</source>
        <translation>请看向摄像头打卡</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="36"/>
        <source>Import employees</source>
        <translation>导入员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="39"/>
        <source>CSV file with the columns number,name,department,photo</source>
        <translation>包含 number,name,department,photo 列的 CSV 文件</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="40"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="45"/>
        <source>One row per photo; rows with the same number are one person&apos;s photos. Relative photo paths are relative to the CSV file&apos;s folder.</source>
        <translation>每张照片一行；编号相同的行是同一个人的照片。照片的相对路径以 CSV 文件所在文件夹为准。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="48"/>
        <source>Every person in this file has consented to face enrolment</source>
        <translation>文件中的每个人都已同意人脸登记</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="49"/>
        <source>Also save people who look similar to someone already enrolled (recorded in the audit log)</source>
        <translation>与已登记人员相似的人也保存（记录在审计日志中）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="56"/>
        <source>Number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="56"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="56"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="57"/>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="61"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="87"/>
        <source>Employee list</source>
        <translation>员工名单</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="87"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="100"/>
        <source>Confirm that every person consented before importing.</source>
        <translation>导入前请确认每个人都已同意。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="111"/>
        <source>Importing %1 people…</source>
        <translation>正在导入 %1 人…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="113"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="136"/>
        <source>imported</source>
        <translation>已导入</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="136"/>
        <source>refused</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="151"/>
        <source>The import stopped: %1</source>
        <translation>导入已停止：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="156"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/import_dialog.py" line="161"/>
        <source>Cancelling after the current batch…</source>
        <translation>将在当前批次后取消…</translation>
    </message>
</context>
<context>
    <name>Kiosk</name>
    <message>
        <location filename="../../faceapp/ui/kiosk.py" line="26"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/kiosk.py" line="26"/>
        <source>Admin PIN:</source>
        <translation>管理员 PIN：</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="22"/>
        <location filename="../../faceapp/ui/feedback.py" line="23"/>
        <location filename="../../faceapp/ui/feedback.py" line="24"/>
        <source>No access at this time</source>
        <translation>此时间无通行权限</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="26"/>
        <source>Please turn your head slightly</source>
        <translation>请稍微转动头部</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="29"/>
        <source>Not recognised - please see reception</source>
        <translation>无法识别 - 请联系前台</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="25"/>
        <location filename="../../faceapp/ui/feedback.py" line="30"/>
        <location filename="../../faceapp/ui/feedback.py" line="31"/>
        <location filename="../../faceapp/ui/feedback.py" line="33"/>
        <source>No access - please see reception</source>
        <translation>无通行权限 - 请联系前台</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="27"/>
        <source>Not let in - this looks like a photo or a screen; please see reception</source>
        <translation>未放行 - 这看起来是照片或屏幕；请到前台</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="59"/>
        <source>checked in %1</source>
        <translation>%1 已签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="61"/>
        <source>checked out %1</source>
        <translation>%1 已签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/feedback.py" line="72"/>
        <source>Door open - welcome, %1</source>
        <translation>门已打开 - 欢迎，%1</translation>
    </message>
</context>
<context>
    <name>LeaveDialog</name>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="346"/>
        <source>Annual</source>
        <translation>年假</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="347"/>
        <source>Sick</source>
        <translation>病假</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="348"/>
        <source>Unpaid</source>
        <translation>无薪假</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="349"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="357"/>
        <source>Add leave</source>
        <translation>添加请假</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="366"/>
        <source>Half day</source>
        <translation>半天</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="367"/>
        <source>Paid</source>
        <translation>带薪</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="371"/>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="372"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="373"/>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="374"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="377"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="383"/>
        <source>Choose an employee.</source>
        <translation>请选择员工。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="386"/>
        <source>The From date is after the To date.</source>
        <translation>开始日期晚于结束日期。</translation>
    </message>
</context>
<context>
    <name>LivePage</name>
    <message>
        <location filename="../../faceapp/ui/live.py" line="293"/>
        <source>Choose camera…</source>
        <translation>选择摄像头…</translation>
    </message>
</context>
<context>
    <name>LogPage</name>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="61"/>
        <source>any department</source>
        <translation>任意部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="62"/>
        <source>Daily summary</source>
        <translation>每日汇总</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="69"/>
        <source>For Excel</source>
        <translation>用于 Excel</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="70"/>
        <source>Date and time in separate columns and employee numbers kept as text (0042), for spreadsheets; without it: ISO timestamps, for programs</source>
        <translation>日期和时间分列，工号保留为文本（0042），适合电子表格；不勾选则为 ISO 时间戳，适合程序读取</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="73"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="81"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="81"/>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="82"/>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="82"/>
        <location filename="../../faceapp/ui/log_page.py" line="196"/>
        <location filename="../../faceapp/ui/log_page.py" line="200"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="130"/>
        <source>The From date is after the To date.</source>
        <translation>开始日期晚于结束日期。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="138"/>
        <source>All employees</source>
        <translation>全部员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="176"/>
        <source>Could not load the log: %1</source>
        <translation>无法加载考勤记录：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="196"/>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="196"/>
        <location filename="../../faceapp/ui/log_page.py" line="200"/>
        <source>Number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="196"/>
        <location filename="../../faceapp/ui/log_page.py" line="200"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="196"/>
        <source>First in</source>
        <translation>首次签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="197"/>
        <source>Last out</source>
        <translation>最后签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="197"/>
        <source>Worked</source>
        <translation>工作时长</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="197"/>
        <source>Events</source>
        <translation>事件数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="200"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="200"/>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="201"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="201"/>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="184"/>
        <location filename="../../faceapp/ui/log_page.py" line="204"/>
        <source>(deleted)</source>
        <translation>（已删除）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="228"/>
        <source>in</source>
        <translation>签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="228"/>
        <source>out</source>
        <translation>签退</translation>
    </message>
    <message numerus="yes">
        <location filename="../../faceapp/ui/log_page.py" line="221"/>
        <source>%n row(s)</source>
        <translation>
            <numerusform>%n 行</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="231"/>
        <source>%1 - voided</source>
        <translation>%1 - 已作废</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="233"/>
        <source>%1 - corrected</source>
        <translation>%1 - 已更正</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="248"/>
        <source>Void punch…</source>
        <translation>作废打卡…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="249"/>
        <source>Restore punch…</source>
        <translation>恢复打卡…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="250"/>
        <source>Add missing punch…</source>
        <translation>补打卡…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="288"/>
        <source>Correction saved</source>
        <translation>更正已保存</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="293"/>
        <source>Punch correction</source>
        <translation>打卡更正</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="309"/>
        <location filename="../../faceapp/ui/log_page.py" line="335"/>
        <source>Export attendance</source>
        <translation>导出考勤</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="310"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="321"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="327"/>
        <source>Exported %1 row(s) to %2</source>
        <translation>已导出 %1 行到 %2</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="69"/>
        <source>faceapp - attendance and door access</source>
        <translation>faceapp - 考勤与门禁</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="84"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="85"/>
        <source>Employees</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="86"/>
        <source>Attendance log</source>
        <translation>考勤记录</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="87"/>
        <source>Schedules</source>
        <translation>排班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="88"/>
        <source>Reports</source>
        <translation>报表</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="89"/>
        <source>Access groups</source>
        <translation>门禁组</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="90"/>
        <source>Access log</source>
        <translation>门禁记录</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="92"/>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="93"/>
        <source>Unknown faces</source>
        <translation>陌生人脸</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="107"/>
        <source>Database: %1</source>
        <translation>数据库：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="166"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="168"/>
        <source>&amp;Enrol employee…</source>
        <translation>登记员工(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="169"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="170"/>
        <source>&amp;Kiosk mode</source>
        <translation>自助终端模式(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="171"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="172"/>
        <source>&amp;Back up now</source>
        <translation>立即备份(&amp;B)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="178"/>
        <source>Sign &amp;in as site admin…</source>
        <translation>以站点管理员身份登录(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="180"/>
        <source>Sign &amp;out (site admin)</source>
        <translation>注销站点管理员(&amp;O)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="186"/>
        <source>&amp;Door</source>
        <translation>门禁(&amp;D)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="187"/>
        <source>&amp;Open door now…</source>
        <translation>立即开门(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="189"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="190"/>
        <source>&amp;About faceapp…</source>
        <translation>关于 faceapp(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="213"/>
        <location filename="../../faceapp/ui/main_window.py" line="214"/>
        <source>Loading face models…</source>
        <translation>正在加载人脸模型…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="219"/>
        <source>Provider: %1</source>
        <translation>执行后端：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="231"/>
        <source>Face models unavailable</source>
        <translation>人脸模型不可用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="232"/>
        <source>The face models could not be loaded:
%1

Run &apos;faceapp doctor&apos; for details.</source>
        <translation>无法加载人脸模型：
%1

运行 &apos;faceapp doctor&apos; 查看详情。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="244"/>
        <source>%1 fps</source>
        <translation>%1 帧/秒</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="245"/>
        <source>, %1 dropped</source>
        <translation>，丢弃 %1 帧</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="251"/>
        <source>Welcome, %1 - checked in %2</source>
        <translation>欢迎，%1 - %2 已签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="251"/>
        <source>Goodbye, %1 - checked out %2</source>
        <translation>再见，%1 - %2 已签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="252"/>
        <source>Hello again, %1 - already recorded</source>
        <translation>您好，%1 - 已记录过</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="253"/>
        <source>Not recognised - please come closer to the camera</source>
        <translation>无法识别 - 请靠近摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="254"/>
        <source>Not recognised - please see reception</source>
        <translation>无法识别 - 请联系前台</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="255"/>
        <source>%1: please turn your head slightly left, then right</source>
        <translation>%1：请将头稍微向左转，再向右转</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="256"/>
        <source>%1: not confirmed - please look at the camera and turn your head</source>
        <translation>%1：未能确认 - 请看向摄像头并转动头部</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="257"/>
        <source>Not let in - this looks like a photo or a screen; please see reception</source>
        <translation>未放行 - 这看起来是照片或屏幕；请到前台</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="280"/>
        <source>late %1 min</source>
        <translation>迟到 %1 分钟</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="287"/>
        <source>opening</source>
        <translation>正在打开</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="287"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="287"/>
        <source>reconnecting…</source>
        <translation>正在重新连接…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="288"/>
        <source>video ended</source>
        <translation>视频已结束</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="288"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="288"/>
        <source>no camera</source>
        <translation>无摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="289"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="290"/>
        <source>Camera %1: %2</source>
        <translation>摄像头 %1：%2</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="312"/>
        <source>Camera not available - please see reception</source>
        <translation>摄像头不可用 - 请到前台办理</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="314"/>
        <source>Retrying automatically…</source>
        <translation>正在自动重试…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="318"/>
        <source>The video file %1 does not exist.

Choose another source in Settings.</source>
        <translation>视频文件 %1 不存在。

请在设置中选择其他来源。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="320"/>
        <source>The video file %1 could not be opened.

Choose another source in Settings.</source>
        <translation>无法打开视频文件 %1。

请在设置中选择其他来源。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="323"/>
        <source>Recognition could not start:
%1</source>
        <translation>识别无法启动：
%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="325"/>
        <source>No camera found.
%1

Connect a camera or choose another source in Settings.</source>
        <translation>未找到摄像头。
%1

请连接摄像头，或在设置中选择其他来源。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="328"/>
        <source>The video %1 has ended.</source>
        <translation>视频 %1 已播放结束。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="330"/>
        <source>The camera stopped because of an error:
%1

Retrying automatically…</source>
        <translation>摄像头因错误停止：
%1

正在自动重试…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="332"/>
        <source>The video stopped because of an error:
%1</source>
        <translation>视频因错误而停止：
%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="334"/>
        <source>Camera lost - reconnecting…</source>
        <translation>摄像头断开 - 正在重新连接…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="345"/>
        <source>Database busy - %1 events waiting, saved automatically</source>
        <translation>数据库忙 - %1 条记录等待中，将自动保存</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="459"/>
        <source>Import employees</source>
        <translation>导入员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="472"/>
        <location filename="../../faceapp/ui/main_window.py" line="476"/>
        <location filename="../../faceapp/ui/main_window.py" line="482"/>
        <source>Enrol employee</source>
        <translation>登记员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="473"/>
        <source>Sign in as the site admin to enrol on a site kiosk (File &gt; Sign in as site admin…).</source>
        <translation>请以站点管理员身份登录后再在站点终端上登记（文件 &gt; 以站点管理员身份登录…）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="621"/>
        <source>Site: offline since %1, %2 queued</source>
        <translation>站点：自 %1 起离线，%2 条待上传</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="624"/>
        <source>Site: online, %1 queued</source>
        <translation>站点：在线，%1 条待上传</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="459"/>
        <location filename="../../faceapp/ui/main_window.py" line="476"/>
        <source>The face models are still loading.</source>
        <translation>人脸模型仍在加载中。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="483"/>
        <source>The enrolment wizard could not be opened:
%1</source>
        <translation>无法打开登记向导：
%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="489"/>
        <source>Enrolled %1</source>
        <translation>已登记 %1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="508"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="509"/>
        <source>Language and provider changes take effect after a restart.</source>
        <translation>语言和执行后端的更改将在重启后生效。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="519"/>
        <source>Kiosk mode</source>
        <translation>自助终端模式</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="519"/>
        <source>Set an admin PIN in Settings first.</source>
        <translation>请先在设置中设置管理员 PIN。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="578"/>
        <source>Wrong PIN</source>
        <translation>PIN 错误</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="578"/>
        <source>Locked for %1 s</source>
        <translation>已锁定 %1 秒</translation>
    </message>
</context>
<context>
    <name>OperatingPoint</name>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="88"/>
        <source>%1 enrolled: threshold %2</source>
        <translation>已登记 %1 人：阈值 %2</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="91"/>
        <source> (fixed by the administrator; strangers accepted not controlled)</source>
        <translation>（由管理员固定；不控制陌生人误识率）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="94"/>
        <source>about 1 stranger in %1 accepted</source>
        <translation>约每 %1 名陌生人误识 1 名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="96"/>
        <source>no stranger expected to pass</source>
        <translation>预计不会误识陌生人</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="97"/>
        <source>from this gallery</source>
        <translation>按本库人员计算</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="98"/>
        <source>from the shipped model: too few people enrolled to measure</source>
        <translation>按内置模型：登记人数太少，无法测量</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="101"/>
        <source>, clamped</source>
        <translation>，已限幅</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="104"/>
        <source>faces under %1 px: please come closer</source>
        <translation>小于 %1 像素的人脸：请靠近</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="108"/>
        <source>; smaller faces need down to %1</source>
        <translation>；较小的人脸需低于 %1</translation>
    </message>
</context>
<context>
    <name>PeoplePicker</name>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="35"/>
        <source>Add people</source>
        <translation>添加人员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/access_groups_page.py" line="38"/>
        <source>inactive</source>
        <translation>已停用</translation>
    </message>
</context>
<context>
    <name>RebuildDialog</name>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="33"/>
        <source>Rebuild face templates</source>
        <translation>重建人脸模板</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="35"/>
        <source>Computes every employee&apos;s face templates again from the face crops kept at enrolment, for the chosen face model. Templates of other models are kept. People enrolled before crops were kept are listed: re-enrol them.</source>
        <translation>根据登记时保存的人脸裁剪图，为所选人脸模型重新计算每位员工的人脸模板。其他模型的模板会保留。在保存裁剪图之前登记的人员会被列出：请为他们重新登记。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="43"/>
        <source>Face model</source>
        <translation>人脸模型</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="50"/>
        <source>Rebuild</source>
        <translation>重建</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="59"/>
        <source>Without face crops (re-enrol):</source>
        <translation>没有人脸裁剪图（需重新登记）：</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="77"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="80"/>
        <source>Rebuilding…</source>
        <translation>正在重建…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="93"/>
        <source>%1 of %2: %3</source>
        <translation>第 %1 / %2 人：%3</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="110"/>
        <source>The rebuild stopped (people rebuilt before it are kept): %1</source>
        <translation>重建已停止（之前已重建的人员会保留）：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="118"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/rebuild_dialog.py" line="123"/>
        <source>Cancelling after the current person…</source>
        <translation>将在当前人员完成后取消…</translation>
    </message>
</context>
<context>
    <name>ReportColumns</name>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="30"/>
        <source>Number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="31"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="32"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="33"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="34"/>
        <source>Weekday</source>
        <translation>星期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="35"/>
        <source>Timetable</source>
        <translation>时间段</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="36"/>
        <source>Check-in</source>
        <translation>签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="37"/>
        <source>Check-out</source>
        <translation>签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="38"/>
        <source>Scheduled</source>
        <translation>应出勤</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="39"/>
        <source>Worked</source>
        <translation>实际工时</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="40"/>
        <source>Late (min)</source>
        <translation>迟到（分钟）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="41"/>
        <source>Early leave (min)</source>
        <translation>早退（分钟）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="42"/>
        <source>Absent (days)</source>
        <translation>旷工（天）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="43"/>
        <source>Leave</source>
        <translation>请假</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="44"/>
        <source>Leave hours</source>
        <translation>请假时长</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="45"/>
        <source>OT normal</source>
        <translation>平时加班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="46"/>
        <source>OT day off</source>
        <translation>休息日加班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="47"/>
        <source>OT holiday</source>
        <translation>节假日加班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="48"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="49"/>
        <source>Exceptions</source>
        <translation>异常</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="50"/>
        <source>Corrected</source>
        <translation>已更正</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="51"/>
        <source>Days scheduled</source>
        <translation>应出勤天数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="52"/>
        <source>Present</source>
        <translation>出勤</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="53"/>
        <source>Leave annual (days)</source>
        <translation>年假（天）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="54"/>
        <source>Leave sick (days)</source>
        <translation>病假（天）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="55"/>
        <source>Leave unpaid (days)</source>
        <translation>无薪假（天）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="56"/>
        <source>Leave other (days)</source>
        <translation>其他假（天）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="57"/>
        <source>Holidays</source>
        <translation>假日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="58"/>
        <source>Regular</source>
        <translation>正常工时</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="59"/>
        <source>Late (times)</source>
        <translation>迟到（次）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="60"/>
        <source>Early leave (times)</source>
        <translation>早退（次）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="61"/>
        <source>Missing punches</source>
        <translation>缺卡</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="62"/>
        <source>Corrected days</source>
        <translation>更正天数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="63"/>
        <source>Employees</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="64"/>
        <source>Exception</source>
        <translation>异常</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="65"/>
        <source>Minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="66"/>
        <source>Days</source>
        <translation>天数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="67"/>
        <source>Time card</source>
        <translation>考勤卡</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="68"/>
        <source>Summary by employee</source>
        <translation>按员工汇总</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="69"/>
        <source>Summary by department</source>
        <translation>按部门汇总</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="70"/>
        <source>Payroll</source>
        <translation>工资</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="92"/>
        <source>any department</source>
        <translation>任意部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="98"/>
        <source>Time card</source>
        <translation>考勤卡</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="98"/>
        <source>Monthly summary</source>
        <translation>月度汇总</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="99"/>
        <source>Exceptions</source>
        <translation>异常</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="99"/>
        <source>Payroll</source>
        <translation>工资</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="101"/>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="102"/>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="103"/>
        <source>Print / PDF…</source>
        <translation>打印 / PDF…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="112"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="112"/>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="113"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="114"/>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="119"/>
        <source>Report</source>
        <translation>报表</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="151"/>
        <source>All employees</source>
        <translation>所有员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="187"/>
        <source>Computing…</source>
        <translation>正在计算…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="194"/>
        <source>No report: %1</source>
        <translation>无报表：%1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../faceapp/ui/reports_page.py" line="203"/>
        <source>%n row(s)</source>
        <translation>
            <numerusform>%n 行</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="205"/>
        <source>the preview shows the first %1; Export writes all</source>
        <translation>预览显示前 %1 行；导出包含全部</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="229"/>
        <location filename="../../faceapp/ui/reports_page.py" line="252"/>
        <source>Export report</source>
        <translation>导出报表</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="230"/>
        <source>Excel workbook (*.xlsx);;CSV (*.csv);;PDF (*.pdf)</source>
        <translation>Excel 工作簿 (*.xlsx);;CSV (*.csv);;PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="238"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="246"/>
        <source>Exported %1 row(s) to %2</source>
        <translation>已导出 %1 行到 %2</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/reports_page.py" line="275"/>
        <source>Print report</source>
        <translation>打印报表</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="299"/>
        <source>Review samples</source>
        <translation>检查样本</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="304"/>
        <source>Remove selected</source>
        <translation>移除所选</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="306"/>
        <source>Retake / add samples</source>
        <translation>重拍 / 添加样本</translation>
    </message>
</context>
<context>
    <name>SavePage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="339"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="345"/>
        <source>This is a different person: save anyway (recorded in the audit log)</source>
        <translation>这是另一个人：仍然保存（记录在审计日志中）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="362"/>
        <source>%1: %2 sample(s) will be saved.</source>
        <translation>%1：将保存 %2 个样本。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="367"/>
        <source>Checking that this person is not already enrolled…</source>
        <translation>正在检查此人是否已登记…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="382"/>
        <source>? This person looks like %1 (no. %2). Same person? Then cancel and re-enrol that employee. If not, confirm below.</source>
        <translation>? 此人看起来像 %1（工号 %2）。是同一个人吗？如果是，请取消并重新登记该员工；如果不是，请在下方确认。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="387"/>
        <source>✔ Duplicate check: nobody enrolled looks like this person. Press Finish to save.</source>
        <translation>✔ 重复检查：没有已登记人员与此人相似。按“完成”保存。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="391"/>
        <source>%1: not saved.</source>
        <translation>%1：未保存。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="392"/>
        <source>✘ This person is already enrolled as %1 (no. %2). Edit or re-enrol that employee instead; nothing was saved.</source>
        <translation>✘ 此人已登记为 %1（工号 %2）。请改为编辑或重新登记该员工；未保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="411"/>
        <source>Enrolment</source>
        <translation>登记</translation>
    </message>
</context>
<context>
    <name>ScheduleGrid</name>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="22"/>
        <source>Monday</source>
        <translation>星期一</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="22"/>
        <source>Tuesday</source>
        <translation>星期二</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="22"/>
        <source>Wednesday</source>
        <translation>星期三</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="23"/>
        <source>Thursday</source>
        <translation>星期四</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="23"/>
        <source>Friday</source>
        <translation>星期五</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="23"/>
        <source>Saturday</source>
        <translation>星期六</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="23"/>
        <source>Sunday</source>
        <translation>星期日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="28"/>
        <source>Type a time range like 08:00-12:00 in a cell; leave cells empty for no access. 22:00-06:00 crosses midnight, 00:00-24:00 is the whole day.</source>
        <translation>在单元格中输入时间段，如 08:00-12:00；留空表示不可通行。22:00-06:00 跨越午夜，00:00-24:00 表示全天。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="35"/>
        <source>Range %1</source>
        <translation>时段 %1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="71"/>
        <source>%1, range %2: &quot;%3&quot; is not a time range like 08:00-12:00</source>
        <translation>%1，时段 %2：“%3”不是 08:00-12:00 这样的时间段</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_grid.py" line="105"/>
        <source>Not a time range: use 08:00-12:00 (24-hour clock)</source>
        <translation>不是时间段：请使用 08:00-12:00（24 小时制）</translation>
    </message>
</context>
<context>
    <name>SchedulesPage</name>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="70"/>
        <source>Add timetable…</source>
        <translation>添加时间段…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="71"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="72"/>
        <source>Add shift…</source>
        <translation>添加班次…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="73"/>
        <source>Assign shift…</source>
        <translation>分配班次…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="74"/>
        <source>Add holiday…</source>
        <translation>添加假日…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="75"/>
        <source>Import CSV…</source>
        <translation>导入 CSV…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="76"/>
        <source>Add leave…</source>
        <translation>添加请假…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="85"/>
        <location filename="../../faceapp/ui/schedules_page.py" line="174"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="85"/>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="87"/>
        <source>Timetables</source>
        <translation>时间段</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="87"/>
        <source>Shifts</source>
        <translation>班次</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="88"/>
        <source>Assignments</source>
        <translation>排班分配</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="88"/>
        <source>Holidays</source>
        <translation>假日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="89"/>
        <source>Leave</source>
        <translation>请假</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="126"/>
        <source>Could not read the schedules: %1</source>
        <translation>无法读取排班：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="143"/>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="143"/>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="148"/>
        <source>in</source>
        <translation>签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="148"/>
        <source>out</source>
        <translation>签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="150"/>
        <source>after end +%1</source>
        <translation>下班后 +%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="151"/>
        <source>before start -%1</source>
        <translation>上班前 -%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="152"/>
        <source>min %1</source>
        <translation>至少 %1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="153"/>
        <source>flexible</source>
        <translation>弹性</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="153"/>
        <source>fixed</source>
        <translation>固定</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="164"/>
        <location filename="../../faceapp/ui/schedules_page.py" line="169"/>
        <location filename="../../faceapp/ui/schedules_page.py" line="179"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="164"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="164"/>
        <source>Start</source>
        <translation>上班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="164"/>
        <source>End</source>
        <translation>下班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="165"/>
        <source>Crosses midnight</source>
        <translation>跨午夜</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="165"/>
        <source>Required</source>
        <translation>应工作</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="165"/>
        <source>Check-in window (min)</source>
        <translation>签到时段（分钟）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="166"/>
        <source>Check-out window (min)</source>
        <translation>签退时段（分钟）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="166"/>
        <source>Break (min)</source>
        <translation>休息（分钟）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="166"/>
        <source>Grace late / early</source>
        <translation>迟到 / 早退宽限</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="167"/>
        <source>Late as absent</source>
        <translation>迟到计旷工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="167"/>
        <source>Rounding (min)</source>
        <translation>取整（分钟）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="167"/>
        <source>Overtime (min)</source>
        <translation>加班（分钟）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="168"/>
        <source>off</source>
        <translation>休息</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="169"/>
        <source>Repeats</source>
        <translation>重复方式</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="169"/>
        <source>Days</source>
        <translation>各天安排</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="170"/>
        <source>weekly</source>
        <translation>每周</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="170"/>
        <source>%1-day rotation</source>
        <translation>%1 天轮班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="174"/>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="174"/>
        <source>Assigned to</source>
        <translation>分配给</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="174"/>
        <source>Until</source>
        <translation>截止</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="175"/>
        <source>Temporary</source>
        <translation>临时</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="176"/>
        <source>Department %1</source>
        <translation>部门 %1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="179"/>
        <location filename="../../faceapp/ui/schedules_page.py" line="182"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="179"/>
        <source>Weekday</source>
        <translation>星期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="182"/>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="182"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="182"/>
        <source>Portion</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="182"/>
        <source>Paid</source>
        <translation>带薪</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="183"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="185"/>
        <source>full day</source>
        <translation>全天</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="185"/>
        <source>half day</source>
        <translation>半天</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="194"/>
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="194"/>
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="194"/>
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="194"/>
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="194"/>
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="194"/>
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="195"/>
        <source>Sun</source>
        <translation>周日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="198"/>
        <source>up</source>
        <translation>向上</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="198"/>
        <source>down</source>
        <translation>向下</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="198"/>
        <source>nearest</source>
        <translation>四舍五入</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="214"/>
        <source>Saved: %1</source>
        <translation>已保存：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="220"/>
        <source>Schedules</source>
        <translation>排班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="271"/>
        <source>Import public holidays</source>
        <translation>导入公共假日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedules_page.py" line="272"/>
        <source>CSV files with date,name (*.csv)</source>
        <translation>含 date,name 列的 CSV 文件 (*.csv)</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="10"/>
        <source>Camera and detection</source>
        <translation>摄像头与检测</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="11"/>
        <source>Smallest face to look for (pixels)</source>
        <translation>查找的最小人脸（像素）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="12"/>
        <source>Faces smaller than about half of this are not looked for. Raise it when people stand close to the camera (faster). With the calibrated matching distance, faces are always looked for down to a little under the smallest face the app decides on, so a lower value has no effect there.</source>
        <translation>小于此值约一半的人脸不会被查找。人离摄像头很近时可调高（更快）。使用校准的匹配距离时，系统始终会查找略小于其可判定的最小人脸的人脸，因此在该模式下调低此值无效。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="13"/>
        <source>Certainty needed to see a face</source>
        <translation>判定为人脸所需的把握</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="14"/>
        <source>How sure the camera must be that something is a face. Lower finds faces in poor light but also takes hair, hands or posters for faces.</source>
        <translation>摄像头需要多大把握才认为某物是人脸。调低可在光线差时找到人脸，但也会把头发、手或海报误认为人脸。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="15"/>
        <source>Run recognition on</source>
        <translation>人脸识别运行于</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="16"/>
        <source>What runs face recognition: automatic uses an NVIDIA graphics card when there is one, else the processor. Takes effect after a restart.</source>
        <translation>由什么运行人脸识别：“自动”在有 NVIDIA 显卡时使用显卡，否则使用处理器。重启后生效。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="17"/>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="18"/>
        <source>NVIDIA graphics card (CUDA)</source>
        <translation>NVIDIA 显卡（CUDA）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="19"/>
        <source>Processor (CPU)</source>
        <translation>处理器（CPU）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="20"/>
        <source>Recognition</source>
        <translation>识别</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="34"/>
        <source>Lead needed over the second-best match</source>
        <translation>需领先第二匹配者的差距</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="35"/>
        <source>When a face looks almost equally like two employees, it is treated as not recognised unless the best match is ahead by at least this much. 0 turns the check off.</source>
        <translation>当一张人脸与两名员工几乎同样相似时，除非最佳匹配至少领先这么多，否则视为未识别。0 表示关闭此检查。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="26"/>
        <source>Strangers accepted per 1,000 visits</source>
        <translation>每 1,000 次来访中接受的陌生人数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="21"/>
        <source>Face model</source>
        <translation>人脸模型</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="22"/>
        <source>Which face model turns faces into numbers. Automatic keeps the model this database&apos;s employees were enrolled with, and uses MobileFaceNet for a new database. Faces enrolled with one model are not recognised by another: after switching, employees enrolled with the old model must be enrolled again (or their templates rebuilt). Takes effect after a restart.</source>
        <translation>把人脸转换为特征数值的模型。“自动”沿用本数据库员工登记时所用的模型，新数据库使用 MobileFaceNet。用一个模型登记的人脸不能被另一个模型识别：切换后，用旧模型登记的员工需要重新登记（或重建其模板）。重启后生效。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="23"/>
        <source>Automatic (this database&apos;s model)</source>
        <translation>自动（本数据库的模型）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="24"/>
        <source>dlib ResNet (older, 128-D)</source>
        <translation>dlib ResNet（较旧，128 维）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="25"/>
        <source>MobileFaceNet (recommended, 192-D)</source>
        <translation>MobileFaceNet（推荐，192 维）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="27"/>
        <source>How many visits of people who are not enrolled (out of 1,000) may be taken for an employee. Lower is stricter: fewer strangers booked or let in, but employees are more often asked to look at the camera again. The app turns this into the matching distance for the number of people enrolled, and recomputes it after every enrolment.</source>
        <translation>每 1,000 次未登记人员的来访中，最多允许几次被误认为员工。越低越严格：被记录或放行的陌生人更少，但员工更常被要求重新看摄像头。应用程序会根据已登记人数换算出匹配距离，并在每次登记后重新计算。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="28"/>
        <source>How the matching distance is set</source>
        <translation>匹配距离的设定方式</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="29"/>
        <source>calibrated: the matching distance follows from the strangers-per-1,000 target and the people enrolled (recommended). fixed: an expert override that uses the fixed distance below as it is; its stranger rate then grows with the number of people enrolled.</source>
        <translation>校准（calibrated）：匹配距离由每 1,000 次陌生人目标和已登记人数得出（推荐）。固定（fixed）：专家选项，直接使用下面的固定距离；此时陌生人误识率会随已登记人数增加。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="30"/>
        <source>calibrated</source>
        <translation>校准（推荐）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="31"/>
        <source>fixed</source>
        <translation>固定（专家）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="32"/>
        <source>Fixed matching distance (lower is stricter)</source>
        <translation>固定匹配距离（越低越严格）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="33"/>
        <source>Only with the fixed setting above: how alike a face must look to an enrolled employee to count as that person. Lower is stricter: strangers are less often taken for an employee, but employees are more often not recognised.</source>
        <translation>仅用于上面的固定方式：人脸与已登记员工相似到什么程度才算是此人。越低越严格：陌生人更少被误认为员工，但员工更常无法被识别。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="36"/>
        <source>Frames before the first decision</source>
        <translation>首次判断前的帧数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="37"/>
        <source>Camera frames of a face combined before the first comparison with the enrolled people; later comparisons come after 3, 9 ... times as many frames. One odd frame then cannot book attendance or open the door.</source>
        <translation>与已登记人员首次比对前合并的人脸帧数；之后的比对在 3 倍、9 倍……帧后进行。这样单个异常帧无法记录考勤或开门。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="38"/>
        <source>Frames before &apos;not recognised&apos;</source>
        <translation>判定“未识别”前的帧数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="39"/>
        <source>Frames combined for the last comparison (about 3 s at 30 frames per second): a face not recognised by then is told &apos;please see reception&apos;. All comparisons of a face share the strangers-per-1,000 budget.</source>
        <translation>最后一次比对合并的帧数（每秒 30 帧时约 3 秒）：届时仍未识别的人脸会被提示“请联系前台”。同一张脸的所有比对共用每 1,000 次的陌生人额度。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="40"/>
        <source>Overlap to follow a moving face</source>
        <translation>跟踪移动人脸所需的重叠</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="41"/>
        <source>How much a face&apos;s box must overlap between two frames to be taken as the same person moving.</source>
        <translation>人脸框在两帧之间需要重叠多少，才被视为同一个人在移动。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="42"/>
        <source>Frames a face may be hidden</source>
        <translation>人脸可被遮挡的帧数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="43"/>
        <source>Frames a face may be hidden (someone walks in front, the person looks away) and still be followed as the same person; after that a new decision is made.</source>
        <translation>人脸可被遮挡（有人从前面走过、本人转开视线）多少帧仍被视为同一人继续跟踪；超过后将重新判断。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="44"/>
        <source>Jump that means another person</source>
        <translation>判定为另一个人的变化幅度</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="45"/>
        <source>A face that suddenly looks this different from the same face a frame before is taken for another person (the camera cut away, someone stepped into the place) and gets its own decision, so a name never passes to someone else. Two frames of one person are far more alike than two photos of them.</source>
        <translation>如果一张脸与上一帧的同一位置突然相差这么大，就视为另一个人（镜头切换、有人站到了这个位置），并单独判断，这样名字绝不会转给别人。同一个人的两帧远比他的两张照片相似。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="46"/>
        <source>Enrolment</source>
        <translation>登记</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="47"/>
        <source>Photos needed to enrol</source>
        <translation>登记所需照片数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="48"/>
        <source>Good photos of a new employee needed before they can be saved. The guided capture from the camera takes 5.</source>
        <translation>保存新员工前所需的合格照片数量。摄像头引导采集会拍 5 张。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="49"/>
        <source>Smallest face size (pixels)</source>
        <translation>最小人脸尺寸（像素）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="50"/>
        <source>A face smaller than this in the picture is refused with &quot;move closer&quot;.</source>
        <translation>画面中小于此尺寸的人脸会被拒绝，并提示“请靠近一些”。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="51"/>
        <source>Sharpness needed</source>
        <translation>所需清晰度</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="52"/>
        <source>A blurred photo is refused with &quot;hold still&quot;. Higher asks for sharper photos; 0 accepts any.</source>
        <translation>模糊的照片会被拒绝，并提示“请保持不动”。调高则要求更清晰的照片；0 表示全部接受。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="53"/>
        <source>Darkest face accepted</source>
        <translation>可接受的最暗人脸</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="54"/>
        <source>A face darker than this (0 is black, 255 is white) is refused with &quot;too dark&quot;.</source>
        <translation>比此值更暗的人脸（0 为黑，255 为白）会被拒绝，并提示“太暗”。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="55"/>
        <source>Brightest face accepted</source>
        <translation>可接受的最亮人脸</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="56"/>
        <source>A face brighter than this is refused with &quot;too bright&quot;.</source>
        <translation>比此值更亮的人脸会被拒绝，并提示“太亮”。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="57"/>
        <source>Largest head turn (degrees)</source>
        <translation>最大头部转角（度）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="58"/>
        <source>A photo with the head turned further to the side is refused with &quot;turn slightly left/right&quot;.</source>
        <translation>头部向侧面转得更多的照片会被拒绝，并提示“请稍微向左/向右转”。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="59"/>
        <source>Largest head tilt (degrees)</source>
        <translation>最大头部倾斜（度）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="60"/>
        <source>A photo with the head tilted further is refused with &quot;keep your head upright&quot;.</source>
        <translation>头部倾斜更多的照片会被拒绝，并提示“请保持头部端正”。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="61"/>
        <source>Refuse as duplicate (percent of distinct people)</source>
        <translation>作为重复登记拒绝（不同人员的百分比）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="62"/>
        <source>A new employee who looks this much like someone already enrolled is refused as a duplicate: the distance is chosen so that people who are really different are refused in at most this percent of enrolments, for the number of people enrolled.</source>
        <translation>与已登记人员如此相似的新员工会被作为重复登记拒绝：该距离按已登记人数选取，使真正不同的人在至多此百分比的登记中被拒绝。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="63"/>
        <source>Ask before saving (percent of distinct people)</source>
        <translation>保存前询问（不同人员的百分比）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="64"/>
        <source>Up to this percent of enrolments of distinct people, the admin is asked &apos;looks like &lt;name&gt;: same person?&apos; and may save anyway (recorded in the audit log).</source>
        <translation>在不同人员的登记中，至多此百分比会询问管理员“看起来像 &lt;姓名&gt;：是同一个人吗？”，管理员仍可保存（记录在审计日志中）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="65"/>
        <source>Head-turn check</source>
        <translation>转头检测</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="68"/>
        <source>Ask for a head turn before booking attendance</source>
        <translation>记录考勤前要求转头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="69"/>
        <source>Attendance is booked only after the head turn: slower for everyone, but a photo of a colleague cannot book their attendance.</source>
        <translation>只有转头之后才记录考勤：每个人都会慢一些，但无法用同事的照片替其打卡。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="70"/>
        <source>Head turn needed (degrees)</source>
        <translation>所需转头角度（度）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="71"/>
        <source>How far the head must turn. Lower is easier for people, but lets more photos on to the depth test.</source>
        <translation>头部需要转动多少。调低对人更容易，但会让更多照片进入深度检测。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="72"/>
        <source>Depth needed</source>
        <translation>所需深度</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="73"/>
        <source>How much the nose must move against the eyes and mouth while the head turns, which a flat photo cannot do. Higher stops more photos; lower is easier for people.</source>
        <translation>转头时鼻子相对眼睛和嘴需要移动多少，平面照片无法做到。调高能阻止更多照片；调低对人更容易。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="74"/>
        <source>Automatic check: pass at</source>
        <translation>自动检测：通过分数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="75"/>
        <source>Automatic check: a face scoring at least this (0 to 1) is taken as a live person without any question. Higher stops more photos and screens, but asks more people to turn their head.</source>
        <translation>自动检测：得分不低于此值（0 到 1）的人脸直接视为真人，无需任何提示。值越高，拦住的照片和屏幕越多，但需要转头的人也越多。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="76"/>
        <source>Automatic check: refuse below</source>
        <translation>自动检测：低于此值拒绝</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="77"/>
        <source>Automatic check: a face scoring below this is refused as a photo or screen; between this and the pass score the head turn is asked (when the door asks for it when unsure). Not above the pass score.</source>
        <translation>自动检测：得分低于此值的人脸作为照片或屏幕被拒绝；介于此值和通过分数之间时要求转头（当此门设置为不确定时转头）。不能高于通过分数。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="78"/>
        <source>Automatic check: frames averaged</source>
        <translation>自动检测：平均的帧数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="79"/>
        <source>Camera frames of a person the automatic check looks at and averages; more is steadier, and each frame costs a few milliseconds.</source>
        <translation>自动检测对一个人查看并平均的摄像头帧数；越多越稳定，每帧需要几毫秒。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="80"/>
        <source>Frames before the check can pass</source>
        <translation>检测可通过前的帧数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="81"/>
        <source>Frames of a person the check must see before it can pass. Not more than the frames watched.</source>
        <translation>检测通过前需要看到此人的帧数。不能多于观察的帧数。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="82"/>
        <source>Frames in a row that must pass</source>
        <translation>需连续通过的帧数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="83"/>
        <source>Frames in a row that must pass before a person counts as real; 1 would let a single unsteady frame pass a photo. Not more than the frames watched.</source>
        <translation>需要连续通过多少帧，才认为是真人；设为 1 时，单个抖动的帧就可能让照片通过。不能多于观察的帧数。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="84"/>
        <source>Frames watched</source>
        <translation>观察的帧数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="85"/>
        <source>Recent frames the check looks at (about 2-4 s); a person who has not turned by then is refused.</source>
        <translation>检测查看的最近帧数（约 2-4 秒）；在此期间未转头的人会被拒绝。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="86"/>
        <source>Attendance</source>
        <translation>考勤</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="87"/>
        <source>Ignore repeat visits for (seconds)</source>
        <translation>忽略重复打卡的时间（秒）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="88"/>
        <source>After someone is booked they are not booked again within this time, so standing in front of the camera books them once.</source>
        <translation>某人被记录后，在此时间内不会再次记录，所以站在摄像头前只会记录一次。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="89"/>
        <source>How in and out are counted</source>
        <translation>签到和签退的计算方式</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="90"/>
        <source>First in, last out: the day&apos;s first visit is &quot;in&quot;, every later one &quot;out&quot; (the last one counts). Alternate: visits alternate in and out through the day, so breaks are not counted as worked time.</source>
        <translation>首次签到、末次签退：当天第一次为“签到”，之后每次都是“签退”（以最后一次为准）。交替：当天的打卡在签到和签退之间交替，因此休息时间不计入工作时长。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="91"/>
        <source>First in, last out</source>
        <translation>首次签到、末次签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="92"/>
        <source>Alternate in and out</source>
        <translation>签到签退交替</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="93"/>
        <source>Time zone of the site</source>
        <translation>站点时区</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="94"/>
        <source>Decides which calendar day a visit belongs to, for example Europe/Berlin or Asia/Shanghai. Leave empty to use this PC&apos;s time zone.</source>
        <translation>决定打卡属于哪一天，例如 Europe/Berlin 或 Asia/Shanghai。留空则使用本电脑的时区。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="95"/>
        <source>Attendance day starts at (hour)</source>
        <translation>考勤日开始时间（时）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="96"/>
        <source>Hour at which a new attendance day begins. Raise it (for example to 6) when night shifts go past midnight, so a shift stays on one day.</source>
        <translation>新考勤日开始的小时。夜班跨过午夜时请调高（例如 6），使一个班次算在同一天。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="97"/>
        <source>Say &quot;late N min&quot; when someone checks in late</source>
        <translation>迟到签到时显示“迟到 N 分钟”</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="98"/>
        <source>The check-in greeting also says how late the person is by their shift, for example &quot;late 12 min&quot; (grace minutes count as on time). Off: the greeting never mentions it.</source>
        <translation>签到问候同时显示按其班次迟到多久，例如“迟到 12 分钟”（宽限分钟内算准时）。关闭时问候中不提迟到。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="99"/>
        <source>Door</source>
        <translation>门禁</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="100"/>
        <source>Door relay</source>
        <translation>门禁继电器</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="101"/>
        <source>What opens the door. Your installer knows which relay is fitted; &quot;Simulated&quot; only writes to the log (for trying the app out).</source>
        <translation>由什么开门。安装人员知道装的是哪种继电器；“模拟”只写入日志（用于试用本程序）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="102"/>
        <source>None (attendance only)</source>
        <translation>无（仅考勤）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="103"/>
        <source>Simulated (no door, for testing)</source>
        <translation>模拟（无门，用于测试）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="104"/>
        <source>USB relay board</source>
        <translation>USB 继电器板</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="105"/>
        <source>Network relay (Shelly, Tasmota)</source>
        <translation>网络继电器（Shelly、Tasmota）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="106"/>
        <source>Liveness check at this door</source>
        <translation>此门的活体检测</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="108"/>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="109"/>
        <source>Automatic, head turn when unsure</source>
        <translation>自动，不确定时转头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="110"/>
        <source>Head turn for everyone</source>
        <translation>所有人都转头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="111"/>
        <source>Door stays unlocked for (seconds)</source>
        <translation>门保持解锁时间（秒）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="112"/>
        <source>How long the door stays unlocked after someone is let in.</source>
        <translation>放行后门保持解锁的时长。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="113"/>
        <source>Refuse the door when the site data is older than (hours)</source>
        <translation>站点数据超过此时长（小时）时拒绝开门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="114"/>
        <source>On a kiosk of a site (several kiosks, one server): after this many hours without reaching the site server the door no longer opens, since someone erased or deactivated at another PC would still be let in here. 0: keep opening, and log how old the data is.</source>
        <translation>用于站点中的终端（多台终端、一台服务器）：连续这么多小时无法连接站点服务器后，门不再打开，因为在其他电脑上被删除或停用的人员在此处仍会被放行。0：继续开门，并在日志中记录数据的时长。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="115"/>
        <source>USB relay port</source>
        <translation>USB 继电器端口</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="116"/>
        <source>Port of the USB relay board, for example COM3 on Windows or /dev/ttyUSB0 (or /dev/serial/by-id/...) on Linux; other kinds of address are refused.</source>
        <translation>USB 继电器板的端口，例如 Windows 上的 COM3，或 Linux 上的 /dev/ttyUSB0（或 /dev/serial/by-id/...）；其他类型的地址会被拒绝。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="127"/>
        <source>sum8</source>
        <translation>sum8（字节和）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="128"/>
        <source>xor8</source>
        <translation>xor8（字节异或）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="129"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="131"/>
        <source>Web address that unlocks, for example http://192.168.1.50/relay/0?turn=on&amp;timer={seconds} ({seconds} becomes the unlock time). Prefer a relay that locks again by itself, so a crashed PC cannot leave the door open. A relay with a password: http://USER:PASSWORD@HOST/... (sent as HTTP basic auth).</source>
        <translation>开锁的网址，例如 http://192.168.1.50/relay/0?turn=on&amp;timer={seconds}（{seconds} 会替换为开锁时间）。最好使用能自行重新上锁的继电器，这样电脑崩溃也不会让门一直开着。带密码的继电器：http://用户名:密码@主机/...（以 HTTP 基本认证发送）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="146"/>
        <source>Keep pictures of unknown faces</source>
        <translation>保留陌生人脸照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="147"/>
        <source>A face nobody recognised is kept with a small picture and its face data, so it can be reviewed (Unknown faces page: enrol, add to an employee, dismiss). Off: only the time is kept.</source>
        <translation>未被识别的人脸会保存一张小照片及其人脸数据，以便审核（“陌生人脸”页面：登记、加入某员工、忽略）。关闭时只保存时间。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="152"/>
        <source>Backups</source>
        <translation>备份</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="153"/>
        <source>Back up the database automatically</source>
        <translation>自动备份数据库</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="154"/>
        <source>The window copies the database on a schedule while it runs, checks each copy and deletes the oldest ones.</source>
        <translation>程序运行时按计划复制数据库，检查每份副本，并删除最旧的副本。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="155"/>
        <source>Backup folder</source>
        <translation>备份文件夹</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="156"/>
        <source>Folder for the copies, best on another drive. Empty: a folder named backups next to the database.</source>
        <translation>存放副本的文件夹，最好在另一个磁盘上。留空：数据库旁名为 backups 的文件夹。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="157"/>
        <source>Daily backup at</source>
        <translation>每日备份时间</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="158"/>
        <source>Time of day (HH:MM) of the daily backup; a backup missed because the app was closed is taken when it next runs.</source>
        <translation>每日备份的时间（HH:MM）；因程序关闭而错过的备份会在下次运行时进行。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="159"/>
        <source>Or back up every (hours)</source>
        <translation>或每隔（小时）备份一次</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="160"/>
        <source>0: once a day at the time above. Otherwise a backup every this many hours.</source>
        <translation>0：每天在上面的时间备份一次。否则每隔这么多小时备份一次。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="161"/>
        <source>Copies to keep</source>
        <translation>保留的副本数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="162"/>
        <source>How many checked copies are kept; older ones are deleted after a new copy has been checked.</source>
        <translation>保留多少份已检查的副本；新副本检查通过后才删除较旧的副本。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="117"/>
        <source>USB relay speed (baud)</source>
        <translation>USB 继电器速率（波特）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="66"/>
        <source>Check for a live person before opening the door</source>
        <translation>开门前确认是真人</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="67"/>
        <source>The door opens only for a live person, checked as &quot;Liveness check at this door&quot; (Door section) says: automatically from the camera image, with a head turn only when unsure, or a head turn for everyone (none of them stops a mask). Off: no check at all, so a photo of an employee may open the door.</source>
        <translation>只有确认是真人时门才会打开，检测方式按“此门的活体检测”（门禁部分）的设置：根据摄像头图像自动检测、仅在不确定时要求转头，或所有人都转头（这些方式都无法阻止面具）。关闭：完全不检测，员工的照片也可能打开门。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="107"/>
        <source>How this door makes sure a real person stands there and not a photo or a phone screen. &quot;Automatic&quot; looks at the face in the camera image without asking anything; &quot;Automatic, head turn when unsure&quot; asks for a head turn only when the automatic check is unsure; &quot;Head turn for everyone&quot; asks everyone. Applies while &quot;Check for a live person before opening the door&quot; (Head-turn check section) is on.</source>
        <translation>此门如何确认站在面前的是真人，而不是照片或手机屏幕。“自动”只看摄像头图像中的人脸，不提出任何要求；“自动，不确定时转头”仅在自动检测不确定时要求转头；“所有人都转头”要求每个人转头。仅在“开门前确认是真人”（转头检测部分）开启时生效。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="118"/>
        <source>Speed of the USB relay board; most boards use 9600.</source>
        <translation>USB 继电器板的通信速率；大多数板子使用 9600。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="119"/>
        <source>Relay number on the board</source>
        <translation>板上的继电器编号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="120"/>
        <source>Which relay on the board switches the door (1 on single-relay boards).</source>
        <translation>板上哪个继电器控制门（单路继电器板为 1）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="121"/>
        <source>USB relay unlock command</source>
        <translation>USB 继电器解锁命令</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="122"/>
        <source>Bytes sent to unlock, in hex; {ch} is the relay number and {sum} a checksum. The default suits common LCUS boards (A0 01 01 A2); change it only if your installer says so.</source>
        <translation>解锁时发送的字节（十六进制）；{ch} 为继电器编号，{sum} 为校验和。默认值适用于常见的 LCUS 板（A0 01 01 A2）；仅在安装人员要求时更改。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="123"/>
        <source>USB relay lock command</source>
        <translation>USB 继电器上锁命令</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="124"/>
        <source>Bytes sent to lock again (LCUS boards: A0 01 00 A1).</source>
        <translation>重新上锁时发送的字节（LCUS 板：A0 01 00 A1）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="125"/>
        <source>USB relay checksum</source>
        <translation>USB 继电器校验和</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="126"/>
        <source>How {sum} in the commands is worked out: sum8 (sum of the bytes), xor8 or none.</source>
        <translation>命令中 {sum} 的计算方式：sum8（字节之和）、xor8 或 none（无）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="130"/>
        <source>Network relay: unlock address</source>
        <translation>网络继电器：解锁地址</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="132"/>
        <source>Network relay: lock address</source>
        <translation>网络继电器：上锁地址</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="133"/>
        <source>Web address that locks again, for example http://192.168.1.50/relay/0?turn=off (Tasmota: http://HOST/cm?cmnd=Power%20Off).</source>
        <translation>用于重新上锁的网址，例如 http://192.168.1.50/relay/0?turn=off（Tasmota：http://HOST/cm?cmnd=Power%20Off）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="134"/>
        <source>Network relay: request type</source>
        <translation>网络继电器：请求方式</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="135"/>
        <source>How the addresses are called; most relays use GET.</source>
        <translation>调用这些地址的方式；大多数继电器使用 GET。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="136"/>
        <source>GET</source>
        <translation>GET 请求</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="137"/>
        <source>POST</source>
        <translation>POST 请求</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="138"/>
        <source>PUT</source>
        <translation>PUT 请求</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="139"/>
        <source>Network relay: unlock message</source>
        <translation>网络继电器：解锁消息</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="140"/>
        <source>Only for POST or PUT: text sent with the unlock request; {seconds} becomes the unlock time.</source>
        <translation>仅用于 POST 或 PUT：随解锁请求发送的文本；{seconds} 会替换为解锁时长。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="141"/>
        <source>Network relay: lock message</source>
        <translation>网络继电器：上锁消息</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="142"/>
        <source>Only for POST or PUT: text sent with the lock request.</source>
        <translation>仅用于 POST 或 PUT：随上锁请求发送的文本。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="143"/>
        <source>Network relay: wait for an answer (seconds)</source>
        <translation>网络继电器：等待响应（秒）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="144"/>
        <source>How long to wait for the network relay before reporting it unreachable.</source>
        <translation>报告网络继电器无法连接前等待的时长。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="145"/>
        <source>Privacy</source>
        <translation>隐私</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="148"/>
        <source>Keep pictures of unknown faces for (days)</source>
        <translation>未识别人脸图片保留（天）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="149"/>
        <source>Pictures of faces nobody recognised are deleted after this many days.</source>
        <translation>未被识别的人脸图片在这么多天后删除。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="150"/>
        <source>Keep face data of deactivated employees for (days)</source>
        <translation>停用员工的人脸数据保留（天）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_texts.py" line="151"/>
        <source>After an employee is deactivated, their face data is deleted after this many days; their attendance stays. Activating them again then needs a new enrolment.</source>
        <translation>员工被停用后，其人脸数据在这么多天后删除；考勤记录保留。之后重新启用需要重新登记。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="51"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="441"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="61"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="127"/>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="158"/>
        <source>A camera number (0, 1, …), a video file, or an rtsp:// / http:// URL</source>
        <translation>摄像头编号（0、1……）、视频文件或 rtsp:// / http:// 地址</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="161"/>
        <source>Video file…</source>
        <translation>视频文件…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="166"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="362"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="437"/>
        <source>Camera source</source>
        <translation>摄像头来源</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="135"/>
        <source>Language (after restart)</source>
        <translation>语言（重启后生效）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="67"/>
        <source>Show advanced settings</source>
        <translation>显示高级设置</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="136"/>
        <source>Start in kiosk mode (full screen, locked with the admin PIN)</source>
        <translation>以自助终端模式启动（全屏，需管理员 PIN 才能退出）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="142"/>
        <source>unchanged</source>
        <translation>不变</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="142"/>
        <source>not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="143"/>
        <source>New admin PIN</source>
        <translation>新管理员 PIN</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="144"/>
        <source>Repeat PIN</source>
        <translation>重复 PIN</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="145"/>
        <source>Beep on each decision</source>
        <translation>每次识别结果时提示音</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="149"/>
        <source>An image file (PNG, JPEG); shown when nobody is in view</source>
        <translation>图片文件（PNG、JPEG）；无人时显示</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="150"/>
        <source>Site name (idle screen)</source>
        <translation>场所名称（待机画面）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="151"/>
        <source>Logo file (idle screen)</source>
        <translation>标志图片（待机画面）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="171"/>
        <source>Now: working out the matching distance for the people enrolled…</source>
        <translation>当前：正在根据已登记人员计算匹配距离…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="180"/>
        <source>Now: %1</source>
        <translation>当前：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="187"/>
        <source>Now: the matching distance could not be worked out (%1)</source>
        <translation>当前：无法计算匹配距离（%1）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="211"/>
        <source>Advanced</source>
        <translation>高级</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="266"/>
        <source>Allowed: %1 to %2. Default: %3.</source>
        <translation>允许范围：%1 至 %2。默认值：%3。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="268"/>
        <source>Default: %1.</source>
        <translation>默认值：%1。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="281"/>
        <source>%1 is outside the allowed range %2 to %3; the value stays %4.</source>
        <translation>%1 超出允许范围 %2 至 %3；数值保持为 %4。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="295"/>
        <source>Video file</source>
        <translation>视频文件</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="295"/>
        <source>Videos (*.mp4 *.avi *.mkv *.mov)</source>
        <translation>视频 (*.mp4 *.avi *.mkv *.mov)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="316"/>
        <source>Default values restored; press OK to save them.</source>
        <translation>已恢复默认值；按“确定”保存。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="335"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="414"/>
        <source>Invalid setting</source>
        <translation>设置无效</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="351"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="356"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="365"/>
        <source>Admin PIN</source>
        <translation>管理员 PIN</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="351"/>
        <source>The two PINs differ.</source>
        <translation>两次输入的 PIN 不一致。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="365"/>
        <source>Set an admin PIN before enabling kiosk mode.</source>
        <translation>启用自助终端模式前请先设置管理员 PIN。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="388"/>
        <source>%1: now %2 (changed by another program while this window was open); you entered %3.</source>
        <translation>%1：现为 %2（此窗口打开期间被其他程序更改）；您输入的是 %3。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="394"/>
        <source>Settings changed meanwhile</source>
        <translation>设置已被同时更改</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="395"/>
        <source>Nothing was saved: settings you changed were also changed by another program.</source>
        <translation>未保存任何内容：您更改的设置也被其他程序更改了。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="396"/>
        <source>Press OK again to save your values instead, or Cancel to keep the others.</source>
        <translation>再次按“确定”将保存您的值，或按“取消”保留其他程序的值。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="406"/>
        <source>&quot;%1&quot; (%2) must not be above &quot;%3&quot; (%4).</source>
        <translation>“%1”（%2）不能高于“%3”（%4）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="438"/>
        <source>The video file %1 does not exist. Choose an existing file, a camera number or a stream address.</source>
        <translation>视频文件 %1 不存在。请选择现有文件、摄像头编号或视频流地址。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/setting_editors.py" line="192"/>
        <source>on</source>
        <translation>开</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/setting_editors.py" line="193"/>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/setting_editors.py" line="198"/>
        <source>empty</source>
        <translation>空</translation>
    </message>
</context>
<context>
    <name>ShiftDialog</name>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="211"/>
        <source>Add shift</source>
        <translation>添加班次</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="215"/>
        <source>Weekly</source>
        <translation>每周</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="216"/>
        <source>Rotation of N days</source>
        <translation>N 天轮班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="220"/>
        <source> days</source>
        <translation> 天</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="222"/>
        <source>Timetable</source>
        <translation>时间段</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="227"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="228"/>
        <source>Repeats</source>
        <translation>重复方式</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="229"/>
        <source>Cycle length</source>
        <translation>周期长度</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="230"/>
        <source>A rotation&apos;s day 1 is the first day of each assignment.</source>
        <translation>轮班的第 1 天是每次分配的开始日期。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="239"/>
        <source>Monday</source>
        <translation>星期一</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="239"/>
        <source>Tuesday</source>
        <translation>星期二</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="239"/>
        <source>Wednesday</source>
        <translation>星期三</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="239"/>
        <source>Thursday</source>
        <translation>星期四</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="240"/>
        <source>Friday</source>
        <translation>星期五</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="240"/>
        <source>Saturday</source>
        <translation>星期六</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="240"/>
        <source>Sunday</source>
        <translation>星期日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="241"/>
        <source>Day %1</source>
        <translation>第 %1 天</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="254"/>
        <source>Day off</source>
        <translation>休息日</translation>
    </message>
</context>
<context>
    <name>SiteAdminDialog</name>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="18"/>
        <source>Sign in as site admin</source>
        <translation>以站点管理员身份登录</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="20"/>
        <source>The site admin&apos;s login on the site server: a user and password (on this kiosk&apos;s server and database), or a whole connection string (DSN). It is kept until you sign out or close faceapp, never saved.</source>
        <translation>站点服务器上的站点管理员登录信息：用户名和密码（使用本终端的服务器和数据库），或完整的连接字符串 (DSN)。登录信息仅保留到注销或关闭 faceapp 为止，绝不保存。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="31"/>
        <source>or: host=... dbname=... user=... password=...</source>
        <translation>或：host=... dbname=... user=... password=...</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="32"/>
        <source>User</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="33"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="34"/>
        <source>DSN</source>
        <translation>连接字符串 (DSN)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="56"/>
        <source>Enter the site admin&apos;s user and password, or a DSN.</source>
        <translation>请输入站点管理员的用户名和密码，或 DSN。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/site_admin_dialog.py" line="61"/>
        <source>Checking the login on the site server…</source>
        <translation>正在站点服务器上核对登录…</translation>
    </message>
</context>
<context>
    <name>SiteOffline</name>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="119"/>
        <source>site server unreachable - showing this kiosk&apos;s records only (since %1)</source>
        <translation>无法连接站点服务器 - 仅显示本终端的记录（自 %1 起）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/messages.py" line="121"/>
        <source>site server unreachable - showing this kiosk&apos;s records only</source>
        <translation>无法连接站点服务器 - 仅显示本终端的记录</translation>
    </message>
</context>
<context>
    <name>TimetableDialog</name>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="80"/>
        <source>Edit timetable</source>
        <translation>编辑时间段</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="80"/>
        <source>Add timetable</source>
        <translation>添加时间段</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="82"/>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="168"/>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="86"/>
        <source>Fixed hours</source>
        <translation>固定时间</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="87"/>
        <source>Flexible (required hours, no fixed start)</source>
        <translation>弹性（规定工时，无固定上班时间）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="93"/>
        <source>Ends the next day (night shift)</source>
        <translation>次日结束（夜班）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="98"/>
        <source> h</source>
        <translation> 小时</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="101"/>
        <source>Deduct the punched break (out and in) when there is one</source>
        <translation>有休息打卡（签退再签到）时扣除该段休息</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="109"/>
        <source>Late by more than</source>
        <translation>迟到超过</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="113"/>
        <source>counts as absent</source>
        <translation>计为旷工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="114"/>
        <source>counts as half a day absent</source>
        <translation>计为旷工半天</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="118"/>
        <source>After the end, from</source>
        <translation>下班后，从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="121"/>
        <source>Before the start, from</source>
        <translation>上班前，从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="127"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="128"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="129"/>
        <source>Start</source>
        <translation>上班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="130"/>
        <source>End</source>
        <translation>下班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="132"/>
        <source>Required work (flexible)</source>
        <translation>应工作时长（弹性）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="133"/>
        <source>Unpaid break</source>
        <translation>无薪休息</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="136"/>
        <source>Check-in: before the start</source>
        <translation>签到：上班前</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="137"/>
        <source>Check-in: after the start</source>
        <translation>签到：上班后</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="138"/>
        <source>Check-out: before the end</source>
        <translation>签退：下班前</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="139"/>
        <source>Check-out: after the end</source>
        <translation>签退：下班后</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="141"/>
        <source>Grace for late arrival</source>
        <translation>迟到宽限</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="142"/>
        <source>Grace for early leave</source>
        <translation>早退宽限</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="148"/>
        <source>Check-in to</source>
        <translation>签到取整到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="149"/>
        <source>Check-out to</source>
        <translation>签退取整到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="153"/>
        <source>Minimum overtime per day</source>
        <translation>每天最少加班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="155"/>
        <source>Working day</source>
        <translation>工作日</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="156"/>
        <source>Overtime</source>
        <translation>加班</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="157"/>
        <source>Punch windows</source>
        <translation>打卡时段</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="158"/>
        <source>Lateness and early leave</source>
        <translation>迟到和早退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="159"/>
        <source>Rounding of punches</source>
        <translation>打卡取整</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="169"/>
        <source>no rounding</source>
        <translation>不取整</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="171"/>
        <source>up</source>
        <translation>向上</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="171"/>
        <source>down</source>
        <translation>向下</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/schedule_dialogs.py" line="171"/>
        <source>nearest</source>
        <translation>四舍五入</translation>
    </message>
</context>
<context>
    <name>UnknownFacesPage</name>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="41"/>
        <source>Picture</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="41"/>
        <source>Times seen</source>
        <translation>出现次数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="41"/>
        <source>First seen</source>
        <translation>首次出现</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="42"/>
        <source>Last seen</source>
        <translation>最近出现</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="42"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="52"/>
        <source>Enrol as new employee…</source>
        <translation>登记为新员工…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="53"/>
        <source>Opens the enrolment wizard with this person&apos;s pictures as samples; pictures that fail the quality checks are left out.</source>
        <translation>以此人的照片作为样本打开登记向导；未通过质量检查的照片不会使用。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="55"/>
        <source>Add to employee…</source>
        <translation>加入某员工…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="56"/>
        <source>Adds these pictures to an enrolled employee&apos;s face samples, after checking that they look like that employee.</source>
        <translation>在确认这些照片像某位已登记员工后，将其加入该员工的人脸样本。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="58"/>
        <location filename="../../faceapp/ui/unknown_page.py" line="180"/>
        <location filename="../../faceapp/ui/unknown_page.py" line="186"/>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="59"/>
        <source>Not someone to enrol: the pictures and face data are deleted; the sightings stay counted.</source>
        <translation>不需要登记的人：删除照片和人脸数据；出现次数仍保留统计。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="61"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="91"/>
        <source>%1 people not recognised, seen %2 times in all.</source>
        <translation>%1 人未被识别，共出现 %2 次。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="94"/>
        <source>%1 more sightings have no picture (pictures of unknown faces not kept, or older than the privacy limit).</source>
        <translation>另有 %1 次出现没有照片（未开启保留陌生人脸照片，或已超过隐私保留期限）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="127"/>
        <location filename="../../faceapp/ui/unknown_page.py" line="132"/>
        <source>Enrol as new employee</source>
        <translation>登记为新员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="133"/>
        <source>None of the %1 pictures of this person passes the quality checks (too small, dark, blurred or turned). Enrol them at the camera instead.</source>
        <translation>此人的 %1 张照片都未通过质量检查（过小、过暗、模糊或侧脸）。请改为在摄像头前登记。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="146"/>
        <location filename="../../faceapp/ui/unknown_page.py" line="149"/>
        <location filename="../../faceapp/ui/unknown_page.py" line="168"/>
        <location filename="../../faceapp/ui/unknown_page.py" line="174"/>
        <source>Add to employee</source>
        <translation>加入某员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="146"/>
        <source>Nobody is enrolled yet.</source>
        <translation>尚未登记任何人。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="150"/>
        <source>Whose pictures are these?</source>
        <translation>这些是谁的照片？</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="162"/>
        <source>Pictures added to %1.</source>
        <translation>照片已加入 %1。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="169"/>
        <source>These pictures do not clearly look like %1 (no. %2). Add them anyway? Only if you are sure it is the same person (recorded in the audit log).</source>
        <translation>这些照片看起来不明显像 %1（工号 %2）。仍要加入吗？仅在确定是同一人时才加入（将记入审计日志）。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/unknown_page.py" line="181"/>
        <source>Dismiss this person (seen %1 times)? Their pictures and face data are deleted; the sightings stay counted.</source>
        <translation>忽略此人（出现 %1 次）？其照片和人脸数据将被删除；出现次数仍保留统计。</translation>
    </message>
</context>
<context>
    <name>VideoWidget</name>
    <message>
        <location filename="../../faceapp/ui/live.py" line="231"/>
        <source>Unknown</source>
        <translation>未识别</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/live.py" line="233"/>
        <source>Identifying…</source>
        <translation>识别中…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/live.py" line="235"/>
        <source>Please come closer</source>
        <translation>请靠近一点</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/live.py" line="237"/>
        <source>Please turn your head</source>
        <translation>请转动头部</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/live.py" line="239"/>
        <source>Not let in</source>
        <translation>未放行</translation>
    </message>
</context>
<context>
    <name>launch</name>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="194"/>
        <location filename="../../faceapp/ui/launch.py" line="235"/>
        <source>The attendance database %1 that faceapp used before is missing.</source>
        <translation>faceapp 之前使用的考勤数据库 %1 不见了。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="196"/>
        <source>If the drive holding it is not connected, connect it and start faceapp again, or restore the file from a backup. A new, empty database starts without employees, attendance or settings.</source>
        <translation>如果存放它的磁盘未连接，请连接后重新启动 faceapp，或从备份恢复该文件。新的空数据库中没有员工、考勤记录和设置。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="200"/>
        <location filename="../../faceapp/ui/launch.py" line="248"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="201"/>
        <location filename="../../faceapp/ui/launch.py" line="246"/>
        <source>Start with a new, empty database</source>
        <translation>使用新的空数据库启动</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="237"/>
        <source>The attendance database %1 is damaged.</source>
        <translation>考勤数据库 %1 已损坏。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="239"/>
        <source>A checked backup from %1 was found:
%2

Restore it? Changes made after that time are not in it. The current file, if any, is kept aside.</source>
        <translation>找到一份 %1 的已检查备份：
%2

要恢复它吗？此时间之后的更改不在其中。当前文件（如有）会另行保留。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="243"/>
        <source>Restore the backup</source>
        <translation>恢复备份</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="267"/>
        <source>faceapp cannot start:</source>
        <translation>faceapp 无法启动：</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="269"/>
        <source>Log file: %1</source>
        <translation>日志文件：%1</translation>
    </message>
</context>
</TS>
