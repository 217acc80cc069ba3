"""Data of the demo academy: units and realistic Chinese names (deterministic)."""

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单"
)
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛"]
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力鹏飞宇浩然子轩雨涵梓涵一诺欣怡思远"
    "志强海燕晓东晓明春梅秋菊冬雪立新振华国栋家豪俊杰博文天佑嘉怡雅婷佳琪子豪宏伟"
)

INSTITUTES = [
    {"abbr": "niaot", "name": "国家天文台南京天文光学技术研究所", "parent": "academy", "email_domain": "niaot.ac.cn",
     "departments": ["光学技术研究部", "机械与控制研究部", "天文望远镜技术实验室", "综合办公室", "人事教育处",
                     ("光学技术研究部", "精密光学组")]},
    {"abbr": "imr", "name": "金属研究所", "parent": "branch", "email_domain": "imr.ac.cn",
     "departments": ["材料腐蚀与防护研究部", "高性能金属材料研究部", "人事教育处", "条件保障处", "财务处"]},
    {"abbr": "cnic", "name": "计算机网络信息中心", "parent": "academy", "email_domain": "cnic.cn",
     "departments": ["科学数据中心", "超级计算中心", "网络安全技术部", "综合办公室"]},
]

DEMO_PASSWORD = "Xueshi-Demo-2026"  # noqa: S105 - documented demo credential
DEMO_INITIAL_PASSWORD = "Abcd1234"  # noqa: S105 - the seeds' default initial password
