<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Advice</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="31"/>
        <source>no face found - look at the camera</source>
        <translation>未检测到人脸 - 请看向摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="32"/>
        <source>move closer</source>
        <translation>请靠近一些</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="33"/>
        <source>too dark - turn towards the light</source>
        <translation>太暗 - 请面向光源</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="34"/>
        <source>too bright - step out of direct light</source>
        <translation>太亮 - 请避开直射光</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="35"/>
        <source>hold still (image is blurred)</source>
        <translation>请保持不动（图像模糊）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="36"/>
        <source>turn slightly left to face the camera</source>
        <translation>请稍向左转，正对摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="37"/>
        <source>turn slightly right to face the camera</source>
        <translation>请稍向右转，正对摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="38"/>
        <source>keep your head upright</source>
        <translation>请保持头部端正</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="45"/>
        <source>%1 faces in view - only the person enrolling please</source>
        <translation>画面中有 %1 张人脸 - 请只让登记人出现</translation>
    </message>
</context>
<context>
    <name>CapturePage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="123"/>
        <source>Face samples</source>
        <translation>人脸样本</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="124"/>
        <source>Look at the camera; samples are taken automatically when the quality is good. Or enrol from photos.</source>
        <translation>请看向摄像头；画面质量合格时会自动采集样本。也可以从照片登记。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="134"/>
        <source>Capture from camera</source>
        <translation>从摄像头采集</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="136"/>
        <source>Enrol from photos…</source>
        <translation>从照片登记…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="165"/>
        <source>Samples: %1 (at least %2 needed, %3 recommended)</source>
        <translation>样本：%1（至少需要 %2 个，建议 %3 个）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="197"/>
        <source>Look at the camera…</source>
        <translation>请看向摄像头…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="216"/>
        <source>Good - hold still</source>
        <translation>很好 - 请保持不动</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="219"/>
        <source>Done - %1 samples taken</source>
        <translation>完成 - 已采集 %1 个样本</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="225"/>
        <source>Photos of the employee</source>
        <translation>员工照片</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="226"/>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.webp)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.bmp *.webp)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../faceapp/ui/wizard.py" line="233"/>
        <source>Checking %n photo(s)…</source>
        <translation>
            <numerusform>正在检查 %n 张照片…</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="248"/>
        <source>✔ %1: usable</source>
        <translation>✔ %1：可用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="250"/>
        <source>✘ %1: %2</source>
        <translation>✘ %1：%2</translation>
    </message>
</context>
<context>
    <name>ConsentPage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="26"/>
        <source>I agree that my face is photographed and stored as a biometric template by my employer to record my attendance and open the door. I can ask for it to be deleted at any time.</source>
        <translation>我同意雇主拍摄我的面部并将其作为生物特征模板保存，用于记录考勤和开门。我可以随时要求删除。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="105"/>
        <source>Consent</source>
        <translation>同意书</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="109"/>
        <source>The employee has read this and consents</source>
        <translation>员工已阅读并同意</translation>
    </message>
</context>
<context>
    <name>DetailsPage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="57"/>
        <source>Employee details</source>
        <translation>员工信息</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="60"/>
        <source>Employee number *</source>
        <translation>工号 *</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="61"/>
        <source>Full name *</source>
        <translation>姓名 *</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="62"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="80"/>
        <source>Checking the employee number…</source>
        <translation>正在检查员工编号…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="88"/>
        <source>Employee number %1 is already used by %2. Choose another number, or re-enrol that employee from the Employees page.</source>
        <translation>工号 %1 已被 %2 使用。请选择其他工号，或在“员工”页面为该员工重新登记。</translation>
    </message>
</context>
<context>
    <name>EditDialog</name>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="22"/>
        <source>Edit employee</source>
        <translation>编辑员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="27"/>
        <source>Employee number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="28"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="29"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
</context>
<context>
    <name>EmployeesPage</name>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="52"/>
        <source>Search by name, number or department</source>
        <translation>按姓名、工号或部门搜索</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="55"/>
        <source>Number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="55"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="55"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="56"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="63"/>
        <source>Enrol new…</source>
        <translation>新登记…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="63"/>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="64"/>
        <location filename="../../faceapp/ui/employees.py" line="117"/>
        <source>Activate / deactivate</source>
        <translation>启用 / 停用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="65"/>
        <source>Re-enrol face…</source>
        <translation>重新登记人脸…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="65"/>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="82"/>
        <source>active</source>
        <translation>在职</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="82"/>
        <source>inactive</source>
        <translation>已停用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="108"/>
        <location filename="../../faceapp/ui/employees.py" line="111"/>
        <source>Edit employee</source>
        <translation>编辑员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="108"/>
        <source>Number and name are required.</source>
        <translation>工号和姓名为必填项。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="130"/>
        <location filename="../../faceapp/ui/employees.py" line="135"/>
        <source>Delete employee</source>
        <translation>删除员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/employees.py" line="131"/>
        <source>Delete %1 (no. %2)? Their face templates are erased; attendance history is kept without the name. This cannot be undone.</source>
        <translation>删除 %1（工号 %2）？其人脸模板将被清除；考勤历史将保留但不含姓名。此操作无法撤销。</translation>
    </message>
</context>
<context>
    <name>EnrolWizard</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="368"/>
        <source>Enrol employee</source>
        <translation>登记员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="369"/>
        <source>Re-enrol %1</source>
        <translation>重新登记 %1</translation>
    </message>
</context>
<context>
    <name>LivePage</name>
    <message>
        <location filename="../../faceapp/ui/live.py" line="215"/>
        <source>Choose camera…</source>
        <translation>选择摄像头…</translation>
    </message>
</context>
<context>
    <name>LogPage</name>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="42"/>
        <source>any department</source>
        <translation>任意部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="43"/>
        <source>Daily summary</source>
        <translation>每日汇总</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="47"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="55"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="55"/>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="56"/>
        <source>Employee</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="56"/>
        <location filename="../../faceapp/ui/log_page.py" line="123"/>
        <location filename="../../faceapp/ui/log_page.py" line="131"/>
        <source>Department</source>
        <translation>部门</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="89"/>
        <source>All employees</source>
        <translation>全部员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="116"/>
        <source>Could not load the log: %1</source>
        <translation>无法加载考勤记录：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="123"/>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="123"/>
        <location filename="../../faceapp/ui/log_page.py" line="131"/>
        <source>Number</source>
        <translation>工号</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="123"/>
        <location filename="../../faceapp/ui/log_page.py" line="131"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="123"/>
        <source>First in</source>
        <translation>首次签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="124"/>
        <source>Last out</source>
        <translation>最后签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="124"/>
        <source>Worked</source>
        <translation>工作时长</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="124"/>
        <source>Events</source>
        <translation>事件数</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="131"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="131"/>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="132"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="132"/>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="134"/>
        <source>(deleted)</source>
        <translation>（已删除）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="135"/>
        <source>in</source>
        <translation>签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="135"/>
        <source>out</source>
        <translation>签退</translation>
    </message>
    <message numerus="yes">
        <location filename="../../faceapp/ui/log_page.py" line="144"/>
        <source>%n row(s)</source>
        <translation>
            <numerusform>%n 行</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="156"/>
        <location filename="../../faceapp/ui/log_page.py" line="178"/>
        <source>Export attendance</source>
        <translation>导出考勤</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="157"/>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="166"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/log_page.py" line="171"/>
        <source>Exported %1 row(s) to %2</source>
        <translation>已导出 %1 行到 %2</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="46"/>
        <source>faceapp - attendance and door access</source>
        <translation>faceapp - 考勤与门禁</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="55"/>
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="56"/>
        <source>Employees</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="57"/>
        <source>Attendance log</source>
        <translation>考勤记录</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="62"/>
        <source>Database: %1</source>
        <translation>数据库：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="84"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="85"/>
        <source>&amp;Enrol employee…</source>
        <translation>登记员工(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="86"/>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="87"/>
        <source>&amp;Kiosk mode</source>
        <translation>自助终端模式(&amp;K)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="88"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="97"/>
        <location filename="../../faceapp/ui/main_window.py" line="98"/>
        <source>Loading face models…</source>
        <translation>正在加载人脸模型…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="103"/>
        <source>Provider: %1</source>
        <translation>执行后端：%1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="109"/>
        <source>Face models unavailable</source>
        <translation>人脸模型不可用</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="110"/>
        <source>The face models could not be loaded:
%1

Run &apos;faceapp doctor&apos; for details.</source>
        <translation>无法加载人脸模型：
%1

运行 &apos;faceapp doctor&apos; 查看详情。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="121"/>
        <source>%1 fps</source>
        <translation>%1 帧/秒</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="122"/>
        <source>, %1 dropped</source>
        <translation>，丢弃 %1 帧</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="128"/>
        <source>Welcome, %1 - checked in %2</source>
        <translation>欢迎，%1 - %2 已签到</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="128"/>
        <source>Goodbye, %1 - checked out %2</source>
        <translation>再见，%1 - %2 已签退</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="129"/>
        <source>Hello again, %1 - already recorded</source>
        <translation>您好，%1 - 已记录过</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="130"/>
        <source>Not recognised - please see reception</source>
        <translation>无法识别 - 请联系前台</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="142"/>
        <source>opening</source>
        <translation>正在打开</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="142"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="142"/>
        <source>reconnecting…</source>
        <translation>正在重新连接…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="143"/>
        <source>video ended</source>
        <translation>视频已结束</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="143"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="143"/>
        <source>no camera</source>
        <translation>无摄像头</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="144"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="145"/>
        <source>Camera %1: %2</source>
        <translation>摄像头 %1：%2</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="148"/>
        <source>No camera found.
%1

Connect a camera or choose another source in Settings.</source>
        <translation>未找到摄像头。
%1

请连接摄像头，或在设置中选择其他来源。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="151"/>
        <source>Camera unavailable - please use the card reader or see reception.
Retrying automatically…</source>
        <translation>摄像头不可用 - 请使用刷卡器或联系前台。
正在自动重试…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="155"/>
        <source>Camera lost - reconnecting…</source>
        <translation>摄像头断开 - 正在重新连接…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="176"/>
        <source>Enrol employee</source>
        <translation>登记员工</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="176"/>
        <source>The face models are still loading.</source>
        <translation>人脸模型仍在加载中。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="187"/>
        <source>Enrolled %1</source>
        <translation>已登记 %1</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="201"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="202"/>
        <source>Language and provider changes take effect after a restart.</source>
        <translation>语言和执行后端的更改将在重启后生效。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="210"/>
        <source>Kiosk mode</source>
        <translation>自助终端模式</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="210"/>
        <source>Set an admin PIN in Settings first.</source>
        <translation>请先在设置中设置管理员 PIN。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="233"/>
        <source>Wrong PIN</source>
        <translation>PIN 错误</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/main_window.py" line="234"/>
        <source>Locked for %1 s</source>
        <translation>已锁定 %1 秒</translation>
    </message>
</context>
<context>
    <name>ReviewPage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="262"/>
        <source>Review samples</source>
        <translation>检查样本</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="266"/>
        <source>Remove selected</source>
        <translation>移除所选</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="268"/>
        <source>Retake / add samples</source>
        <translation>重拍 / 添加样本</translation>
    </message>
</context>
<context>
    <name>SavePage</name>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="300"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="317"/>
        <source>%1: %2 sample(s) will be saved.</source>
        <translation>%1：将保存 %2 个样本。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="320"/>
        <source>Checking that this person is not already enrolled…</source>
        <translation>正在检查此人是否已登记…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="331"/>
        <source>✔ Duplicate check: nobody enrolled looks like this person. Press Finish to save.</source>
        <translation>✔ 重复检查：没有已登记人员与此人相似。按“完成”保存。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="334"/>
        <source>✘ This person is already enrolled as %1 (no. %2). Edit or re-enrol that employee instead; nothing was saved.</source>
        <translation>✘ 此人已登记为 %1（工号 %2）。请改为编辑或重新登记该员工；未保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/wizard.py" line="352"/>
        <source>Enrolment</source>
        <translation>登记</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="27"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="195"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="30"/>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="31"/>
        <source>Recognition</source>
        <translation>识别</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="48"/>
        <source>A camera number (0, 1, …), a video file, or an rtsp:// / http:// URL</source>
        <translation>摄像头编号（0、1……）、视频文件或 rtsp:// / http:// 地址</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="50"/>
        <source>Video file…</source>
        <translation>视频文件…</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="55"/>
        <source>Camera source</source>
        <translation>摄像头来源</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="60"/>
        <source>Language (after restart)</source>
        <translation>语言（重启后生效）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="61"/>
        <source>Start in kiosk mode (full screen, locked with the admin PIN)</source>
        <translation>以自助终端模式启动（全屏，需管理员 PIN 才能退出）</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="67"/>
        <source>unchanged</source>
        <translation>不变</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="67"/>
        <source>not set</source>
        <translation>未设置</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="68"/>
        <source>New admin PIN</source>
        <translation>新管理员 PIN</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="69"/>
        <source>Repeat PIN</source>
        <translation>重复 PIN</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="70"/>
        <source>Beep on each decision</source>
        <translation>每次识别结果时提示音</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="84"/>
        <source>Video file</source>
        <translation>视频文件</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="84"/>
        <source>Videos (*.mp4 *.avi *.mkv *.mov)</source>
        <translation>视频 (*.mp4 *.avi *.mkv *.mov)</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="152"/>
        <source>Invalid setting</source>
        <translation>设置无效</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="160"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="165"/>
        <location filename="../../faceapp/ui/settings_dialog.py" line="169"/>
        <source>Admin PIN</source>
        <translation>管理员 PIN</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="160"/>
        <source>The two PINs differ.</source>
        <translation>两次输入的 PIN 不一致。</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/settings_dialog.py" line="169"/>
        <source>Set an admin PIN before enabling kiosk mode.</source>
        <translation>启用自助终端模式前请先设置管理员 PIN。</translation>
    </message>
</context>
<context>
    <name>launch</name>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="80"/>
        <source>faceapp cannot start:</source>
        <translation>faceapp 无法启动：</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/launch.py" line="82"/>
        <source>Log file: %1</source>
        <translation>日志文件：%1</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../../faceapp/ui/kiosk.py" line="24"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../faceapp/ui/kiosk.py" line="24"/>
        <source>Admin PIN:</source>
        <translation>管理员 PIN：</translation>
    </message>
</context>
</TS>
