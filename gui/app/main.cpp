// shoal-monitor: loads the QML views (Shoal.Monitor.Views over the Shoal.Monitor models).
// Qt 6.4 has no QQmlApplicationEngine::loadFromModule (6.5+): the main file is loaded by its
// resource URL (qrc:/qml/Main.qml), and the modules' qmldir files are found under qrc:/.
// QtCharts needs a QApplication, not a QGuiApplication.
//
//   shoal-monitor                                   the window
//   shoal-monitor --url http://tracker:6969         connect at start (the key, if any, from the
//                                                   SHOAL_MONITOR_API_KEY environment variable:
//                                                   never on the command line, where `ps` shows it)
//   shoal-monitor --peer-url http://127.0.0.1:9091  a shoal-peer node for Transfers (its key from
//                                                   SHOAL_MONITOR_PEER_KEY)
//   shoal-monitor --check                           load every view and exit: 0 when they load
//   shoal-monitor --url U --page swarms --dark --screenshot out.png [--wait 4] [--size 1280x800]
//                                                   render a page offscreen into a PNG and exit
//                                                   (pages: overview, swarms, swarm = the first
//                                                   swarm's detail page, users, transfers;
//                                                   scripts/monitor-screenshots.sh uses it)
#include <QApplication>
#include <QCommandLineParser>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>

#include <cstdio>

Q_IMPORT_QML_PLUGIN(Shoal_MonitorPlugin)
Q_IMPORT_QML_PLUGIN(Shoal_Monitor_ViewsPlugin)

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("shoal-monitor");
  QApplication::setOrganizationName("Shoal");
  QQuickStyle::setStyle(QStringLiteral("Fusion"));

  QCommandLineParser cli;
  cli.setApplicationDescription("Shoal swarm monitor");
  cli.addHelpOption();
  const QCommandLineOption check("check", "Load every view, then exit (0 when they load).");
  const QCommandLineOption url("url", "Connect to this server at start.", "url");
  const QCommandLineOption peer_url("peer-url", "Connect the Transfers view to this shoal-peer node.", "url");
  const QCommandLineOption dark("dark", "Start with the dark theme.");
  const QCommandLineOption page("page", "Start on a page: overview, swarms, swarm, users, transfers.", "page",
                                "overview");
  const QCommandLineOption window("window", "Chart window in seconds.", "seconds");
  const QCommandLineOption shot("screenshot", "Render the window into this PNG file, then exit.", "file");
  const QCommandLineOption wait("wait", "Seconds to wait for data before the screenshot.", "seconds", "4");
  const QCommandLineOption size("size", "Window size, WIDTHxHEIGHT.", "size");
  cli.addOptions({check, url, peer_url, dark, page, window, shot, wait, size});
  cli.process(app);

  QQmlApplicationEngine engine;
  engine.addImportPath(QStringLiteral("qrc:/"));
  QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app, [] { QCoreApplication::exit(1); },
                   Qt::QueuedConnection);
  engine.load(QUrl(QStringLiteral("qrc:/qml/Main.qml")));
  if (engine.rootObjects().isEmpty()) return 1;
  auto* root = qobject_cast<QQuickWindow*>(engine.rootObjects().constFirst());
  QObject* monitor = root ? root->findChild<QObject*>(QStringLiteral("monitor")) : nullptr;
  if (!root || !monitor) {
    std::fprintf(stderr, "shoal-monitor: the main view did not load\n");
    return 1;
  }
  if (cli.isSet(check)) {
    QTimer::singleShot(0, &app, [] { QCoreApplication::exit(0); });
    return QApplication::exec();
  }

  if (cli.isSet(size)) {
    const QStringList wh = cli.value(size).split('x');
    if (wh.size() == 2 && wh[0].toInt() > 0 && wh[1].toInt() > 0) root->resize(wh[0].toInt(), wh[1].toInt());
  }
  if (cli.isSet(dark)) monitor->setProperty("dark", true);
  if (cli.isSet(window)) monitor->setProperty("chartWindow", cli.value(window).toInt());
  const QString start_page = cli.value(page);
  if (!QStringList{"overview", "swarms", "swarm", "users", "transfers"}.contains(start_page)) {
    std::fprintf(stderr, "shoal-monitor: --page is overview, swarms, swarm, users or transfers\n");
    return 2;
  }
  if (cli.isSet(url)) {
    QMetaObject::invokeMethod(monitor, "connectTo", Q_ARG(QVariant, cli.value(url)),
                              Q_ARG(QVariant, qEnvironmentVariable("SHOAL_MONITOR_API_KEY")));
  }
  if (cli.isSet(peer_url)) {
    QObject* transfers = monitor->property("transfers").value<QObject*>();
    if (transfers)
      QMetaObject::invokeMethod(transfers, "connectTo", Q_ARG(QVariant, cli.value(peer_url)),
                                Q_ARG(QVariant, qEnvironmentVariable("SHOAL_MONITOR_PEER_KEY")));
  }
  QMetaObject::invokeMethod(monitor, "showPage", Q_ARG(QVariant, start_page));

  if (cli.isSet(shot)) {
    const QString file = cli.value(shot);
    const int wait_ms = static_cast<int>(cli.value(wait).toDouble() * 1000);
    QTimer::singleShot(wait_ms, &app, [root, file] {
      const QImage image = root->grabWindow();
      if (image.isNull() || !image.save(file)) {
        std::fprintf(stderr, "shoal-monitor: could not write %s\n", qPrintable(file));
        QCoreApplication::exit(1);
        return;
      }
      QCoreApplication::exit(0);
    });
  }
  return QApplication::exec();
}
